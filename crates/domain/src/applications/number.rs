//! The number of an application, made to be read out on the phone: ten digits shown as
//! `1234-5678-90`, the last a Damm check digit, which catches every single wrong digit and every
//! swap of two neighbours — the two mistakes people make when they dictate or type a number.
//! Digits only: Russian speakers read Latin letters aloud in more than one way.
//!
//! The nine leading digits are random (the caller draws them; the store refuses a duplicate and
//! the caller draws again), so a number says nothing about how many applications there are.

use std::fmt;

/// The quasigroup of order 10 of H. Michael Damm's check-digit scheme (2004), weakly totally
/// anti-symmetric: its rows are the interim digit, its columns the next digit.
const DAMM: [[u8; 10]; 10] = [
    [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
    [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
    [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
    [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
    [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
    [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
    [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
    [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
    [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
    [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

fn interim(digits: &[u8]) -> u8 {
    digits
        .iter()
        .fold(0, |row, d| DAMM[usize::from(row)][usize::from(*d)])
}

/// Ten digits, the last checking the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApplicationNumber([u8; 10]);

/// Why a typed number is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    /// Not ten digits (spaces and dashes aside).
    Length,
    /// Ten digits, but one of them is wrong or two are swapped.
    Check,
}

impl ApplicationNumber {
    /// The number whose leading nine digits are those of `random` (reduced below 10⁹).
    pub fn from_random(random: u64) -> Self {
        let mut n = random % 1_000_000_000;
        let mut digits = [0u8; 10];
        for slot in digits[..9].iter_mut().rev() {
            *slot = u8::try_from(n % 10).unwrap_or(0);
            n /= 10;
        }
        digits[9] = interim(&digits[..9]);
        Self(digits)
    }

    /// Reads a number as people type it: with or without dashes and spaces.
    pub fn parse(text: &str) -> Result<Self, NumberProblem> {
        let mut digits = Vec::with_capacity(10);
        for c in text.chars() {
            match c {
                '0'..='9' => digits.push(c as u8 - b'0'),
                ' ' | '-' | '\u{2010}'..='\u{2015}' | '\u{a0}' => {}
                _ => return Err(NumberProblem::Length),
            }
        }
        let digits: [u8; 10] = digits.try_into().map_err(|_| NumberProblem::Length)?;
        if interim(&digits) != 0 {
            return Err(NumberProblem::Check);
        }
        Ok(Self(digits))
    }

    /// The ten digits without separators (as stored and searched).
    pub fn plain(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for ApplicationNumber {
    /// `1234-5678-90`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.plain();
        write!(f, "{}-{}-{}", &p[..4], &p[4..8], &p[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_example_checks() {
        // Damm's worked example: 572 has the check digit 4.
        assert_eq!(interim(&[5, 7, 2]), 4);
        assert_eq!(interim(&[5, 7, 2, 4]), 0);
    }

    #[test]
    fn a_number_reads_back_however_it_is_typed() {
        let n = ApplicationNumber::from_random(123_456_789);
        assert_eq!(n.plain().len(), 10);
        assert!(n.to_string().starts_with("1234-5678-9"));
        for typed in [n.to_string(), n.plain(), n.to_string().replace('-', " ")] {
            assert_eq!(ApplicationNumber::parse(&typed), Ok(n), "{typed}");
        }
        assert_eq!(
            ApplicationNumber::from_random(7).to_string(),
            format!("0000-0000-7{}", interim(&[0, 0, 0, 0, 0, 0, 0, 0, 7]))
        );
    }

    #[test]
    fn every_wrong_digit_and_every_swap_of_neighbours_is_caught() {
        for seed in [1_u64, 987_654_321, 500_000_005, 31_415_926] {
            let good = ApplicationNumber::from_random(seed).plain().into_bytes();
            for i in 0..10 {
                for d in b'0'..=b'9' {
                    if d == good[i] {
                        continue;
                    }
                    let mut bad = good.clone();
                    bad[i] = d;
                    let text = String::from_utf8(bad).expect("digits");
                    assert_eq!(
                        ApplicationNumber::parse(&text),
                        Err(NumberProblem::Check),
                        "{text}"
                    );
                }
                if i < 9 && good[i] != good[i + 1] {
                    let mut bad = good.clone();
                    bad.swap(i, i + 1);
                    let text = String::from_utf8(bad).expect("digits");
                    assert_eq!(
                        ApplicationNumber::parse(&text),
                        Err(NumberProblem::Check),
                        "{text}"
                    );
                }
            }
        }
    }

    #[test]
    fn other_text_is_not_a_number() {
        for text in ["", "123", "12345678901", "1234-5678-9x", "№ 1234567890"] {
            assert_eq!(
                ApplicationNumber::parse(text),
                Err(NumberProblem::Length),
                "{text}"
            );
        }
    }
}
