//! Numbers of the internal passport (series 4 digits, number 6 digits, division code `NNN-NNN`)
//! as people type them: spaces allowed, the dash of the division code optional.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("empty")]
    Empty,
    #[error("wrong format")]
    Format,
}

fn digits(input: &str, n: usize) -> Result<String, DocumentNumberError> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(DocumentNumberError::Empty);
    }
    if compact.len() == n && compact.chars().all(|c| c.is_ascii_digit()) {
        Ok(compact)
    } else {
        Err(DocumentNumberError::Format)
    }
}

macro_rules! digits_type {
    ($(#[$doc:meta])* $name:ident, $n:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self, DocumentNumberError> {
                digits(input, $n).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

digits_type!(
    /// Series of the internal passport: 2 digits of the region and 2 of the year of the blank.
    PassportSeries,
    4
);
digits_type!(
    /// Number of the internal passport.
    PassportNumber,
    6
);
digits_type!(
    /// Series of the foreign passport.
    ForeignPassportSeries,
    2
);
digits_type!(
    /// Number of the foreign passport.
    ForeignPassportNumber,
    7
);

/// Code of the issuing division, `NNN-NNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(input: &str) -> Result<Self, DocumentNumberError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        let dashes = input.matches('-').count();
        if dashes > 1
            || (dashes == 1 && (input.trim().len() != 7 || input.trim().find('-') != Some(3)))
        {
            return Err(DocumentNumberError::Format);
        }
        let d = digits(&compact, 6)?;
        Ok(DivisionCode(format!("{}-{}", &d[..3], &d[3..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_numbers_as_typed() {
        assert_eq!(
            PassportSeries::parse("45 06").map(|s| s.0),
            Ok("4506".to_owned())
        );
        assert_eq!(
            PassportNumber::parse("123456").map(|s| s.0),
            Ok("123456".to_owned())
        );
        assert_eq!(
            DivisionCode::parse("770-001").map(|s| s.0),
            Ok("770-001".to_owned())
        );
        assert_eq!(
            DivisionCode::parse("770001").map(|s| s.0),
            Ok("770-001".to_owned())
        );
        assert_eq!(
            ForeignPassportSeries::parse("75").map(|s| s.0),
            Ok("75".to_owned())
        );
        assert_eq!(
            ForeignPassportNumber::parse("1234567").map(|s| s.0),
            Ok("1234567".to_owned())
        );
    }

    #[test]
    fn wrong_numbers_are_refused() {
        assert_eq!(PassportSeries::parse(""), Err(DocumentNumberError::Empty));
        assert_eq!(
            PassportSeries::parse("450"),
            Err(DocumentNumberError::Format)
        );
        assert_eq!(
            PassportNumber::parse("12345a"),
            Err(DocumentNumberError::Format)
        );
        assert_eq!(
            DivisionCode::parse("77-0001"),
            Err(DocumentNumberError::Format)
        );
        assert_eq!(
            DivisionCode::parse("770-00"),
            Err(DocumentNumberError::Format)
        );
        assert_eq!(
            DivisionCode::parse("7-7-0001"),
            Err(DocumentNumberError::Format)
        );
    }
}
