//! Contacts as people type them, parsed into the one form Kabinet stores.

use std::fmt;

use serde::Serialize;

/// A mobile phone number in E.164 (`+79123456789`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("empty")]
    Empty,
    #[error("only digits, spaces, brackets, dashes and a leading + are allowed")]
    InvalidCharacters,
    #[error("wrong number of digits")]
    WrongLength,
    #[error("not a mobile number")]
    NotMobile,
}

impl Phone {
    /// Accepts `+7 (912) 345-67-89`, `8 912 345 67 89`, `89123456789`, `9123456789` and
    /// international numbers with a leading `+`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        let plus = trimmed.starts_with('+');
        let body = if plus { &trimmed[1..] } else { trimmed };
        if !body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-' | '\u{a0}'))
        {
            return Err(PhoneError::InvalidCharacters);
        }
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let national = match (plus, digits.len()) {
            (true, _) if digits.starts_with('7') => {
                if digits.len() != 11 {
                    return Err(PhoneError::WrongLength);
                }
                &digits[1..]
            }
            (true, 8..=15) => return Ok(Phone(format!("+{digits}"))),
            (true, _) => return Err(PhoneError::WrongLength),
            (false, 11) if digits.starts_with('8') || digits.starts_with('7') => &digits[1..],
            // Ten digits from 8 or 7 are an eleven-digit number with one missing.
            (false, 10) if digits.starts_with('8') || digits.starts_with('7') => {
                return Err(PhoneError::WrongLength);
            }
            (false, 10) => &digits[..],
            (false, _) => return Err(PhoneError::WrongLength),
        };
        if !national.starts_with('9') {
            return Err(PhoneError::NotMobile);
        }
        Ok(Phone(format!("+7{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+7 912 ***-**-89`: enough to recognise one's own number, not enough to learn it.
    pub fn masked(&self) -> String {
        let d = &self.0;
        if let Some(national) = d.strip_prefix("+7")
            && national.len() == 10
        {
            return format!("+7 {} ***-**-{}", &national[..3], &national[8..]);
        }
        let keep = d.len().saturating_sub(2);
        format!("{}{}", "*".repeat(keep), &d[keep..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address: trimmed, lower-cased, one `@`, a domain with a dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("contains spaces")]
    Spaces,
    #[error("must contain exactly one @")]
    At,
    #[error("the part before @ is invalid")]
    Local,
    #[error("the domain is invalid")]
    Domain,
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > 254 {
            return Err(EmailError::TooLong);
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(EmailError::Spaces);
        }
        let mut parts = trimmed.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At);
        };
        if local.is_empty()
            || local.chars().count() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || local
                .chars()
                .any(|c| c.is_control() || "\"(),:;<>[\\]".contains(c))
        {
            return Err(EmailError::Local);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let tld_ok = labels.last().is_some_and(|t| {
            t.chars().count() >= 2
                && t.chars()
                    .all(|c| c.is_alphabetic() || c == '-' || c.is_ascii_digit())
                && !t.chars().all(|c| c.is_ascii_digit())
        });
        if labels.len() < 2 || !labels.iter().all(label_ok) || !tld_ok {
            return Err(EmailError::Domain);
        }
        Ok(Email(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `iv***@mail.ru`
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let head: String = local.chars().take(2).collect();
        format!("{head}***@{domain}")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_as_people_type_them() {
        for typed in [
            "+7 (912) 345-67-89",
            "8 912 345 67 89",
            "89123456789",
            "79123456789",
            "9123456789",
            " +79123456789 ",
        ] {
            assert_eq!(
                Phone::parse(typed).map(|p| p.0),
                Ok("+79123456789".to_owned()),
                "{typed}"
            );
        }
        assert_eq!(
            Phone::parse("+44 7700 900123").map(|p| p.0),
            Ok("+447700900123".to_owned())
        );
    }

    #[test]
    fn phones_that_are_not() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("8 912 345 67 8"), Err(PhoneError::WrongLength));
        assert_eq!(
            Phone::parse("+7 912 345 67 890"),
            Err(PhoneError::WrongLength)
        );
        assert_eq!(
            Phone::parse("8 (495) 123-45-67"),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(
            Phone::parse("8912abc4567"),
            Err(PhoneError::InvalidCharacters)
        );
        assert_eq!(
            Phone::parse("++79123456789"),
            Err(PhoneError::InvalidCharacters)
        );
    }

    #[test]
    fn phone_masking_keeps_the_ends() {
        let phone = Phone::parse("89123456789").expect("valid");
        assert_eq!(phone.masked(), "+7 912 ***-**-89");
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ivan.Petrov@Mail.RU ").map(|e| e.0),
            Ok("ivan.petrov@mail.ru".to_owned())
        );
        assert_eq!(
            Email::parse("мария@почта.рф").map(|e| e.0),
            Ok("мария@почта.рф".to_owned())
        );
        assert_eq!(
            Email::parse("a+tag@sub.example.org").map(|e| e.0),
            Ok("a+tag@sub.example.org".to_owned())
        );
    }

    #[test]
    fn emails_that_are_not() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("ivan petrov@mail.ru"), Err(EmailError::Spaces));
        assert_eq!(Email::parse("ivan.mail.ru"), Err(EmailError::At));
        assert_eq!(Email::parse("a@b@mail.ru"), Err(EmailError::At));
        assert_eq!(Email::parse("@mail.ru"), Err(EmailError::Local));
        assert_eq!(Email::parse("ivan@mail"), Err(EmailError::Domain));
        assert_eq!(Email::parse("ivan@-mail.ru"), Err(EmailError::Domain));
        assert_eq!(Email::parse("ivan@mail..ru"), Err(EmailError::Domain));
        assert_eq!(Email::parse("ivan@1.2.3.4"), Err(EmailError::Domain));
        assert_eq!(
            Email::parse(&format!("{}@mail.ru", "a".repeat(65))),
            Err(EmailError::Local)
        );
    }

    #[test]
    fn email_masking() {
        assert_eq!(
            Email::parse("ivan@mail.ru").expect("valid").masked(),
            "iv***@mail.ru"
        );
    }
}
