//! SNILS, the individual insurance account number: 11 digits, `XXX-XXX-XXX YY`, the last two a
//! check number over the first nine (rules/validity.md, "Check digits").

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Snils(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SnilsError {
    #[error("empty")]
    Empty,
    #[error("only digits, spaces and dashes are allowed")]
    InvalidCharacters,
    #[error("a SNILS has 11 digits")]
    WrongLength,
    #[error("the check number does not match")]
    CheckDigit,
}

/// Numbers up to 001-001-998 were issued before check numbers and are not checked.
const UNCHECKED_UP_TO: u64 = 1_001_998;

/// The check number of the first nine digits: Σ dᵢ × (10 − i); below 100 as is; 100 and 101
/// give 00; above, the remainder of division by 101, where 100 again gives 00.
pub fn check_number(first_nine: &[u8; 9]) -> u8 {
    let sum: u32 = first_nine
        .iter()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * (9 - i as u32))
        .sum();
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => sum % 101 % 100,
    };
    check as u8
}

impl Snils {
    pub fn parse(input: &str) -> Result<Self, SnilsError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(SnilsError::Empty);
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-'))
        {
            return Err(SnilsError::InvalidCharacters);
        }
        let digits: Vec<u8> = trimmed
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let Ok(all) = <[u8; 11]>::try_from(digits.as_slice()) else {
            return Err(SnilsError::WrongLength);
        };
        let mut first_nine = [0_u8; 9];
        first_nine.copy_from_slice(&all[..9]);
        let number = first_nine.iter().fold(0_u64, |n, &d| n * 10 + u64::from(d));
        let given = all[9] * 10 + all[10];
        if number > UNCHECKED_UP_TO && check_number(&first_nine) != given {
            return Err(SnilsError::CheckDigit);
        }
        Ok(Snils(all.iter().map(|d| char::from(b'0' + d)).collect()))
    }

    /// The 11 digits, as stored.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// `112-233-445 95`
    pub fn formatted(&self) -> String {
        let d = &self.0;
        format!("{}-{}-{} {}", &d[0..3], &d[3..6], &d[6..9], &d[9..11])
    }
}

impl fmt::Display for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_of_the_rules_are_valid() {
        for example in [
            "112-233-445 95",
            "123-456-789 64",
            "987-654-321 83",
            "001-246-489 00",
            "006-987-764 00",
        ] {
            let snils = Snils::parse(example).expect(example);
            assert_eq!(snils.formatted(), example);
        }
    }

    #[test]
    fn spaces_and_dashes_anywhere_are_ignored() {
        for typed in ["11223344595", "112 233 445 95", "112-233-44595"] {
            assert_eq!(
                Snils::parse(typed).map(|s| s.0),
                Ok("11223344595".to_owned()),
                "{typed}"
            );
        }
    }

    #[test]
    fn wrong_numbers_are_refused() {
        assert_eq!(Snils::parse(""), Err(SnilsError::Empty));
        assert_eq!(Snils::parse("112-233-445 96"), Err(SnilsError::CheckDigit));
        assert_eq!(Snils::parse("112-233-445"), Err(SnilsError::WrongLength));
        assert_eq!(
            Snils::parse("112-233-445 9a"),
            Err(SnilsError::InvalidCharacters)
        );
    }

    #[test]
    fn old_numbers_are_not_checked() {
        assert!(Snils::parse("001-001-998 77").is_ok());
        assert!(Snils::parse("000-000-001 00").is_ok());
        assert_eq!(Snils::parse("001-001-999 77"), Err(SnilsError::CheckDigit));
    }
}
