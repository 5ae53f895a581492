//! People's names as they are written in Russian documents: Cyrillic or Latin letters, hyphens
//! (Римский-Корсаков), apostrophes (О'Нил) and single spaces between parts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A surname, given name or patronymic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("empty")]
    Empty,
    #[error("longer than 60 characters")]
    TooLong,
    #[error("only letters, hyphens, apostrophes and spaces are allowed")]
    InvalidCharacters,
    #[error("must begin and end with a letter")]
    MustStartWithLetter,
}

const MAX_LEN: usize = 60;

fn is_name_letter(c: char) -> bool {
    matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё' | 'a'..='z' | 'A'..='Z')
}

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let collapsed = input
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace('’', "'");
        if collapsed.is_empty() {
            return Err(NameError::Empty);
        }
        if collapsed.chars().count() > MAX_LEN {
            return Err(NameError::TooLong);
        }
        if !collapsed
            .chars()
            .all(|c| is_name_letter(c) || matches!(c, '-' | '\'' | ' '))
        {
            return Err(NameError::InvalidCharacters);
        }
        let first = collapsed.chars().next().is_some_and(is_name_letter);
        let last = collapsed.chars().last().is_some_and(is_name_letter);
        // Two separators in a row ("Анна--Мария") are as wrong as one at an end.
        let doubled = collapsed
            .chars()
            .zip(collapsed.chars().skip(1))
            .any(|(a, b)| !is_name_letter(a) && !is_name_letter(b));
        if !first || !last || doubled {
            return Err(NameError::MustStartWithLetter);
        }
        Ok(PersonName(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sex as recorded in the passport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

impl FromStr for Sex {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "male" => Ok(Sex::Male),
            "female" => Ok(Sex::Female),
            _ => Err(NameError::InvalidCharacters),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_written_in_documents() {
        for (typed, stored) in [
            ("Иванова", "Иванова"),
            ("  Римский-Корсаков ", "Римский-Корсаков"),
            ("О’Нил", "О'Нил"),
            ("Анна  Мария", "Анна Мария"),
            ("Ёлкин", "Ёлкин"),
            ("Smith", "Smith"),
        ] {
            assert_eq!(
                PersonName::parse(typed).map(|n| n.0),
                Ok(stored.to_owned()),
                "{typed}"
            );
        }
    }

    #[test]
    fn names_that_are_not() {
        assert_eq!(PersonName::parse("  "), Err(NameError::Empty));
        assert_eq!(
            PersonName::parse("Анна7"),
            Err(NameError::InvalidCharacters)
        );
        assert_eq!(
            PersonName::parse("Ivan<script>"),
            Err(NameError::InvalidCharacters)
        );
        assert_eq!(
            PersonName::parse("-Анна"),
            Err(NameError::MustStartWithLetter)
        );
        assert_eq!(
            PersonName::parse("Анна-"),
            Err(NameError::MustStartWithLetter)
        );
        assert_eq!(
            PersonName::parse("Анна--Мария"),
            Err(NameError::MustStartWithLetter)
        );
        assert_eq!(PersonName::parse(&"а".repeat(61)), Err(NameError::TooLong));
        assert!(PersonName::parse(&"а".repeat(60)).is_ok());
    }

    #[test]
    fn sex_round_trips() {
        assert_eq!("female".parse::<Sex>(), Ok(Sex::Female));
        assert_eq!(Sex::Male.as_str(), "male");
        assert!("x".parse::<Sex>().is_err());
    }
}
