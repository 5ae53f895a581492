//! The fields a document kind asks for, and how each is checked and written down.

use jiff::civil::Date;
use serde::Serialize;

use crate::inn::Inn;
use crate::snils::Snils;

/// The format of a field; a value that passes is stored in its normal form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text up to 200 characters.
    Text,
    /// A civil date, `YYYY-MM-DD` (also `DD.MM.YYYY` as people type it).
    Date,
    /// Internal passport: series 4 digits + number 6 digits → `45 06 123456`.
    PassportRf,
    /// Division code `NNN-NNN`.
    DivisionCode,
    /// Foreign passport: series 2 digits + number 7 digits → `75 1234567`.
    ForeignPassport,
    /// Driving licence: 4 characters of series (digits, or 2 digits + 2 Cyrillic letters on the
    /// older blanks) + 6 digits → `99 21 123456`.
    DrivingLicence,
    Snils,
    /// INN of a person (12 digits with two check digits).
    Inn,
    /// Single-format OMS policy: 16 digits.
    OmsPolicy,
    /// OSAGO: series of 3 letters + 10 digits → `ХХХ 0123456789`.
    OsagoPolicy,
    /// Civil-status certificate: Roman numeral, dash, 2 Cyrillic letters + 6 digits → `IV-МЮ 123456`.
    CivilCertificate,
    /// Vehicle registration certificate: 2 digits + 2 digits or letters + 6 digits → `99 ХХ 123456`.
    VehicleCertificate,
    /// Military ID: 2 Cyrillic letters + 7 digits → `АВ 1234567`.
    MilitaryId,
    /// Vehicle identification number: 17 characters, no I, O, Q.
    Vin,
    /// A choice among the spec's options.
    Choice,
    /// `male` / `female`.
    Sex,
}

/// What was wrong with a field's value; the page turns it into a sentence next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("required")]
    Required,
    #[error("too long")]
    TooLong,
    #[error("not a date")]
    Date,
    /// Typed as a date (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД) but no such day exists: 31.02.1990.
    #[error("no such date")]
    NoSuchDate,
    #[error("wrong format")]
    Format,
    #[error("check digits do not match")]
    CheckDigit,
    #[error("not one of the options")]
    Choice,
}

fn compact(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase()
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
}

fn cyrillic_upper(c: char) -> bool {
    ('А'..='Я').contains(&c) || c == 'Ё'
}

/// Splits `s` into the first `n` characters and the rest (by characters, not bytes).
fn split_chars(s: &str, n: usize) -> (String, String) {
    (s.chars().take(n).collect(), s.chars().skip(n).collect())
}

/// Parses a civil date as typed: ISO `2024-03-01` (what `<input type=date>` sends) or `01.03.2024`.
pub fn parse_date(input: &str) -> Result<Date, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::Required);
    }
    let (y, m, d) = if let [y, m, d] = s.split('-').collect::<Vec<_>>().as_slice()
        && y.len() == 4
        && m.len() == 2
        && d.len() == 2
    {
        (*y, *m, *d)
    } else if let [d, m, y] = s.split('.').collect::<Vec<_>>().as_slice()
        && y.len() == 4
        && (1..=2).contains(&m.len())
        && (1..=2).contains(&d.len())
    {
        (*y, *m, *d)
    } else {
        return Err(FieldError::Date);
    };
    let number = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse::<i16>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (number(y), number(m), number(d)) else {
        return Err(FieldError::Date);
    };
    // In the shape of a date: a day that does not exist is said to be so, not "wrong format".
    let (Ok(m), Ok(d)) = (i8::try_from(m), i8::try_from(d)) else {
        return Err(FieldError::NoSuchDate);
    };
    Date::new(y, m, d).map_err(|_| FieldError::NoSuchDate)
}

impl FieldType {
    /// Checks a non-empty value and returns its normal form.
    pub fn normalise(self, input: &str, options: &[&str]) -> Result<String, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        let c = compact(trimmed);
        let ok = |v: String| Ok(v);
        match self {
            FieldType::Text => {
                if trimmed.chars().count() > 200 {
                    Err(FieldError::TooLong)
                } else {
                    ok(trimmed.split_whitespace().collect::<Vec<_>>().join(" "))
                }
            }
            FieldType::Date => parse_date(trimmed).map(|d| d.to_string()),
            FieldType::PassportRf if c.len() == 10 && all_digits(&c) => {
                ok(format!("{} {} {}", &c[..2], &c[2..4], &c[4..]))
            }
            FieldType::DivisionCode if c.len() == 6 && all_digits(&c) => {
                ok(format!("{}-{}", &c[..3], &c[3..]))
            }
            FieldType::ForeignPassport if c.len() == 9 && all_digits(&c) => {
                ok(format!("{} {}", &c[..2], &c[2..]))
            }
            FieldType::DrivingLicence => {
                let (series, number) = split_chars(&c, 4);
                let (region, blank) = split_chars(&series, 2);
                let blank_ok = all_digits(&blank)
                    || (blank.chars().count() == 2 && blank.chars().all(cyrillic_upper));
                if all_digits(&region)
                    && region.len() == 2
                    && blank_ok
                    && number.len() == 6
                    && all_digits(&number)
                {
                    ok(format!("{region} {blank} {number}"))
                } else {
                    Err(FieldError::Format)
                }
            }
            FieldType::Snils => Snils::parse(trimmed)
                .map(|s| s.to_string())
                .map_err(|e| match e {
                    crate::snils::SnilsError::CheckDigit => FieldError::CheckDigit,
                    _ => FieldError::Format,
                }),
            FieldType::Inn => match Inn::parse(trimmed) {
                Ok(inn) if inn.as_str().len() == 12 => ok(inn.as_str().to_owned()),
                Ok(_) => Err(FieldError::Format),
                Err(crate::inn::InnError::CheckDigit) => Err(FieldError::CheckDigit),
                Err(_) => Err(FieldError::Format),
            },
            FieldType::OmsPolicy if c.len() == 16 && all_digits(&c) => ok(c),
            FieldType::OsagoPolicy => {
                let (series, number) = split_chars(&c, 3);
                if series.chars().count() == 3
                    && series
                        .chars()
                        .all(|ch| cyrillic_upper(ch) || ch.is_ascii_uppercase())
                    && number.len() == 10
                    && all_digits(&number)
                {
                    ok(format!("{series} {number}"))
                } else {
                    Err(FieldError::Format)
                }
            }
            FieldType::CivilCertificate => {
                // Keep the dash between the Roman numeral and the letters: `IV-МЮ 123456`.
                let spaced: String = trimmed.split_whitespace().collect::<Vec<_>>().join("");
                let upper = spaced.to_uppercase();
                let Some((roman, rest)) = upper.split_once('-') else {
                    return Err(FieldError::Format);
                };
                let (letters, number) = split_chars(rest, 2);
                let roman_ok = !roman.is_empty()
                    && roman.len() <= 6
                    && roman
                        .chars()
                        .all(|ch| matches!(ch, 'I' | 'V' | 'X' | 'L' | 'C' | 'M'));
                if roman_ok
                    && letters.chars().count() == 2
                    && letters.chars().all(cyrillic_upper)
                    && number.len() == 6
                    && all_digits(&number)
                {
                    ok(format!("{roman}-{letters} {number}"))
                } else {
                    Err(FieldError::Format)
                }
            }
            FieldType::VehicleCertificate => {
                let (series, number) = split_chars(&c, 4);
                let (region, rest) = split_chars(&series, 2);
                let rest_ok = all_digits(&rest)
                    || (rest.chars().count() == 2 && rest.chars().all(cyrillic_upper));
                if region.len() == 2
                    && all_digits(&region)
                    && rest_ok
                    && number.len() == 6
                    && all_digits(&number)
                {
                    ok(format!("{region} {rest} {number}"))
                } else {
                    Err(FieldError::Format)
                }
            }
            FieldType::MilitaryId => {
                let (letters, number) = split_chars(&c, 2);
                if letters.chars().count() == 2
                    && letters.chars().all(cyrillic_upper)
                    && number.len() == 7
                    && all_digits(&number)
                {
                    ok(format!("{letters} {number}"))
                } else {
                    Err(FieldError::Format)
                }
            }
            FieldType::Vin
                if c.len() == 17
                    && c.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() && !"IOQ".contains(ch)) =>
            {
                ok(c)
            }
            FieldType::Choice => options
                .iter()
                .find(|o| **o == trimmed)
                .map(|o| (*o).to_owned())
                .ok_or(FieldError::Choice),
            FieldType::Sex => match trimmed {
                "male" | "female" => ok(trimmed.to_owned()),
                _ => Err(FieldError::Choice),
            },
            _ => Err(FieldError::Format),
        }
    }

    /// What a person should type, for the hint under the field (same in both languages).
    pub fn example(self) -> Option<&'static str> {
        Some(match self {
            FieldType::PassportRf => "45 06 123456",
            FieldType::DivisionCode => "770-001",
            FieldType::ForeignPassport => "75 1234567",
            FieldType::DrivingLicence => "99 21 123456",
            FieldType::Snils => "112-233-445 95",
            FieldType::Inn => "500100732259",
            FieldType::OmsPolicy => "7700000000000000",
            FieldType::OsagoPolicy => "ХХХ 0123456789",
            FieldType::CivilCertificate => "IV-МЮ 123456",
            FieldType::VehicleCertificate => "99 ХХ 123456",
            FieldType::MilitaryId => "АВ 1234567",
            FieldType::Vin => "XTA21099012345678",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldType as F;

    fn n(t: FieldType, s: &str) -> Result<String, FieldError> {
        t.normalise(s, &["biometric", "old"])
    }

    #[test]
    fn numbers_as_people_type_them() {
        assert_eq!(n(F::PassportRf, "4506 123456").unwrap(), "45 06 123456");
        assert_eq!(n(F::PassportRf, "45 06 12345"), Err(FieldError::Format));
        assert_eq!(n(F::DivisionCode, "770 001").unwrap(), "770-001");
        assert_eq!(n(F::ForeignPassport, "75-1234567").unwrap(), "75 1234567");
        assert_eq!(n(F::DrivingLicence, "9921123456").unwrap(), "99 21 123456");
        assert_eq!(
            n(F::DrivingLicence, "77 аа 123456").unwrap(),
            "77 АА 123456"
        );
        assert_eq!(
            n(F::DrivingLicence, "77 AA 123456"),
            Err(FieldError::Format)
        );
        assert_eq!(
            n(F::OmsPolicy, "7700 0000 0000 0000").unwrap(),
            "7700000000000000"
        );
        assert_eq!(
            n(F::OsagoPolicy, "ххх0123456789").unwrap(),
            "ХХХ 0123456789"
        );
        assert_eq!(
            n(F::CivilCertificate, "iv-мю 123456").unwrap(),
            "IV-МЮ 123456"
        );
        assert_eq!(
            n(F::CivilCertificate, "IV МЮ 123456"),
            Err(FieldError::Format)
        );
        assert_eq!(
            n(F::VehicleCertificate, "99ХХ123456").unwrap(),
            "99 ХХ 123456"
        );
        assert_eq!(n(F::MilitaryId, "ав 1234567").unwrap(), "АВ 1234567");
        assert_eq!(n(F::Vin, "xta21099012345678").unwrap(), "XTA21099012345678");
        assert_eq!(n(F::Vin, "XTA2109901234567O"), Err(FieldError::Format));
    }

    #[test]
    fn check_digits_are_checked() {
        assert_eq!(n(F::Snils, "112-233-445 95").unwrap(), "112-233-445 95");
        assert_eq!(n(F::Snils, "112-233-445 96"), Err(FieldError::CheckDigit));
        assert_eq!(n(F::Inn, "500100732259").unwrap(), "500100732259");
        assert_eq!(n(F::Inn, "500100732258"), Err(FieldError::CheckDigit));
        // An organisation's INN is not a person's.
        assert_eq!(n(F::Inn, "7707083893"), Err(FieldError::Format));
    }

    #[test]
    fn dates_choices_and_text() {
        assert_eq!(n(F::Date, "2024-02-29").unwrap(), "2024-02-29");
        assert_eq!(n(F::Date, "29.02.2024").unwrap(), "2024-02-29");
        assert_eq!(n(F::Date, "29.02.2023"), Err(FieldError::NoSuchDate));
        assert_eq!(parse_date("31.02.1990"), Err(FieldError::NoSuchDate));
        assert_eq!(parse_date("1990-02-31"), Err(FieldError::NoSuchDate));
        assert_eq!(parse_date("32.13.1990"), Err(FieldError::NoSuchDate));
        assert_eq!(parse_date("1.3.2024"), Ok(Date::constant(2024, 3, 1)));
        assert_eq!(parse_date("2024-03-01"), Ok(Date::constant(2024, 3, 1)));
        assert_eq!(parse_date("01.03.24"), Err(FieldError::Date));
        assert_eq!(parse_date("+1.03.2024"), Err(FieldError::Date));
        assert_eq!(n(F::Date, "вчера"), Err(FieldError::Date));
        assert_eq!(n(F::Choice, "old").unwrap(), "old");
        assert_eq!(n(F::Choice, "new"), Err(FieldError::Choice));
        assert_eq!(n(F::Text, "  ГУ  МВД ").unwrap(), "ГУ МВД");
        assert_eq!(n(F::Text, &"я".repeat(201)), Err(FieldError::TooLong));
        assert_eq!(n(F::Text, "   "), Err(FieldError::Required));
    }
}
