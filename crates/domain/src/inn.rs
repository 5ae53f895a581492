//! INN, the taxpayer number: 10 digits for organisations, 12 for individuals, with check digits
//! (rules/validity.md, "Check digits").

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Inn(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InnError {
    #[error("empty")]
    Empty,
    #[error("only digits are allowed")]
    InvalidCharacters,
    #[error("an INN has 10 or 12 digits")]
    WrongLength,
    #[error("the check digit does not match")]
    CheckDigit,
}

const W10: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11: [u32; 10] = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12: [u32; 11] = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

/// (Σ dᵢ × wᵢ) mod 11 mod 10 over as many digits as there are weights.
pub fn check_digit(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    (sum % 11 % 10) as u8
}

impl Inn {
    pub fn parse(input: &str) -> Result<Self, InnError> {
        let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(InnError::Empty);
        }
        if !compact.chars().all(|c| c.is_ascii_digit()) {
            return Err(InnError::InvalidCharacters);
        }
        let d: Vec<u8> = compact.bytes().map(|b| b - b'0').collect();
        let valid = match d.len() {
            10 => check_digit(&d, &W10) == d[9],
            12 => check_digit(&d, &W11) == d[10] && check_digit(&d, &W12) == d[11],
            _ => return Err(InnError::WrongLength),
        };
        if !valid {
            return Err(InnError::CheckDigit);
        }
        Ok(Inn(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A person's INN (12 digits) rather than an organisation's (10).
    pub fn is_individual(&self) -> bool {
        self.0.len() == 12
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_of_the_rules_are_valid() {
        assert!(Inn::parse("7707083893").is_ok_and(|i| !i.is_individual()));
        assert!(Inn::parse("1000000010").is_ok());
        assert!(Inn::parse("500100732259").is_ok_and(|i| i.is_individual()));
        assert!(Inn::parse(" 5001 0073 2259 ").is_ok());
    }

    #[test]
    fn wrong_numbers_are_refused() {
        assert_eq!(Inn::parse(""), Err(InnError::Empty));
        assert_eq!(Inn::parse("7707083894"), Err(InnError::CheckDigit));
        assert_eq!(Inn::parse("500100732258"), Err(InnError::CheckDigit));
        assert_eq!(Inn::parse("500100732249"), Err(InnError::CheckDigit));
        assert_eq!(Inn::parse("77070838"), Err(InnError::WrongLength));
        assert_eq!(Inn::parse("77070838a3"), Err(InnError::InvalidCharacters));
    }
}
