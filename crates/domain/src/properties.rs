//! Property tests: check numbers computed by an independent formula for random numbers, and the
//! many ways people type the same phone.

use proptest::prelude::*;

use crate::{Inn, Phone, Snils};

/// The SNILS check number as the rules file words it, written again on purpose.
fn snils_check(d: &[u32]) -> u32 {
    let sum: u32 = (0..9).map(|i| d[i] * (9 - i as u32)).sum();
    if sum < 100 {
        sum
    } else if sum <= 101 {
        0
    } else {
        let r = sum % 101;
        if r == 100 { 0 } else { r }
    }
}

fn inn_digit(d: &[u32], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(a, b)| a * b).sum::<u32>() % 11 % 10
}

fn join(d: &[u32]) -> String {
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
        .collect()
}

proptest! {
    #[test]
    fn snils_with_its_check_number_round_trips(prefix in 1_001_999_u32..999_999_999) {
        let mut d: Vec<u32> = format!("{prefix:09}").chars().filter_map(|c| c.to_digit(10)).collect();
        let check = snils_check(&d);
        d.push(check / 10);
        d.push(check % 10);
        let digits = join(&d);
        let parsed = Snils::parse(&digits).expect("valid SNILS");
        prop_assert_eq!(parsed.digits(), digits.as_str());
        let again = Snils::parse(&parsed.formatted()).expect("formatted parses");
        prop_assert_eq!(again, parsed);
    }

    #[test]
    fn snils_with_another_check_number_is_refused(prefix in 1_001_999_u32..999_999_999, other in 0_u32..100) {
        let d: Vec<u32> = format!("{prefix:09}").chars().filter_map(|c| c.to_digit(10)).collect();
        prop_assume!(other != snils_check(&d));
        let typed = format!("{}{other:02}", join(&d));
        prop_assert!(Snils::parse(&typed).is_err());
    }

    #[test]
    fn inn_of_ten_digits(prefix in 0_u32..999_999_999, wrong in 0_u32..10) {
        let mut d: Vec<u32> = format!("{prefix:09}").chars().filter_map(|c| c.to_digit(10)).collect();
        let check = inn_digit(&d, &[2, 4, 10, 3, 5, 9, 4, 6, 8]);
        d.push(check);
        prop_assert!(Inn::parse(&join(&d)).is_ok());
        prop_assume!(wrong != check);
        d[9] = wrong;
        prop_assert!(Inn::parse(&join(&d)).is_err());
    }

    #[test]
    fn inn_of_twelve_digits(prefix in 0_u64..9_999_999_999) {
        let mut d: Vec<u32> = format!("{prefix:010}").chars().filter_map(|c| c.to_digit(10)).collect();
        d.push(inn_digit(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
        d.push(inn_digit(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
        let inn = Inn::parse(&join(&d)).expect("valid INN");
        prop_assert!(inn.is_individual());
        d[11] = (d[11] + 1) % 10;
        prop_assert!(Inn::parse(&join(&d)).is_err());
    }

    #[test]
    fn a_mobile_number_typed_any_usual_way_is_the_same(rest in 0_u32..1_000_000_000) {
        let n = format!("9{rest:09}");
        let e164 = format!("+7{n}");
        for typed in [
            format!("+7 ({}) {}-{}-{}", &n[..3], &n[3..6], &n[6..8], &n[8..]),
            format!("8 {} {} {} {}", &n[..3], &n[3..6], &n[6..8], &n[8..]),
            format!("8{n}"),
            format!("7{n}"),
            n.clone(),
            e164.clone(),
        ] {
            let phone = Phone::parse(&typed).expect("valid phone");
            prop_assert_eq!(phone.as_str(), e164.as_str());
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in ".{0,40}") {
        let _ = Snils::parse(&text);
        let _ = Inn::parse(&text);
        let _ = Phone::parse(&text);
        let _ = crate::Email::parse(&text);
        let _ = crate::PersonName::parse(&text);
    }
}
