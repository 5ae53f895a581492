//! The password policy of the seeds: at least 8 characters with upper and lower case letters, a
//! digit and a special character; plus refusal of well-known passwords and of the user's own
//! phone, e-mail or name inside the password.

/// A rule a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordRule {
    TooShort,
    TooLong,
    NoLowercase,
    NoUppercase,
    NoDigit,
    NoSpecial,
    Common,
    ContainsPersonalData,
}

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// What the password must not contain.
#[derive(Debug, Clone, Copy, Default)]
pub struct Personal<'a> {
    /// E.164, e.g. `+79123456789`.
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub names: &'a [&'a str],
}

/// Well-known passwords, lower-case, one per line (written for Kabinet from the usual public
/// lists of most-used passwords, Russian ones included).
const COMMON: &str = include_str!("common-passwords.txt");

/// Words that stay guessable whatever is added around them or swapped for look-alike symbols:
/// `P@ssw0rd2026!` is still "password".
const BASE_WORDS: [&str; 24] = [
    "password",
    "passw",
    "qwerty",
    "qwertyuiop",
    "admin",
    "welcome",
    "letmein",
    "iloveyou",
    "monkey",
    "dragon",
    "sunshine",
    "princess",
    "football",
    "master",
    "abc",
    "abcd",
    "asdf",
    "zxcv",
    "gosuslugi",
    "kabinet",
    "пароль",
    "йцукен",
    "привет",
    "qwe",
];

/// Every rule the password breaks, in a stable order (empty means acceptable).
pub fn check_password(password: &str, personal: &Personal<'_>) -> Result<(), Vec<PasswordRule>> {
    let mut broken = Vec::new();
    let len = password.chars().count();
    if len < MIN_LEN {
        broken.push(PasswordRule::TooShort);
    }
    if len > MAX_LEN {
        broken.push(PasswordRule::TooLong);
    }
    if !password.chars().any(char::is_lowercase) {
        broken.push(PasswordRule::NoLowercase);
    }
    if !password.chars().any(char::is_uppercase) {
        broken.push(PasswordRule::NoUppercase);
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        broken.push(PasswordRule::NoDigit);
    }
    if !password.chars().any(|c| !c.is_alphanumeric()) {
        broken.push(PasswordRule::NoSpecial);
    }
    if is_common(password) {
        broken.push(PasswordRule::Common);
    }
    if contains_personal(password, personal) {
        broken.push(PasswordRule::ContainsPersonalData);
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// In the list as typed, or a base word once look-alike symbols are read as letters and the
/// digits and symbols around it are stripped.
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    if COMMON.lines().any(|line| line == lower) {
        return true;
    }
    let unleeted: String = lower
        .chars()
        .map(|c| match c {
            '@' | '4' => 'a',
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    let core_unleeted = unleeted.trim_matches(|c: char| !c.is_alphabetic());
    // "p@ssw0rd" reads as "password"; trailing "1!" or "2026" do not make it new.
    let strip_tail = |s: &str| -> String {
        let mut s = s.to_owned();
        while s.ends_with(['i', 's', 'e', 't', 'a', 'o'])
            && !BASE_WORDS.contains(&s.as_str())
            && s.len() > 3
        {
            s.pop();
        }
        s
    };
    [
        core.to_owned(),
        core_unleeted.to_owned(),
        strip_tail(core_unleeted),
    ]
    .iter()
    .any(|candidate| {
        BASE_WORDS.contains(&candidate.as_str()) || COMMON.lines().any(|l| l == candidate)
    })
}

fn contains_personal(password: &str, personal: &Personal<'_>) -> bool {
    let lower = password.to_lowercase();
    let mut fragments: Vec<String> = Vec::new();
    if let Some(phone) = personal.phone {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let n = digits.len();
        if n >= 10 {
            fragments.push(digits[n - 10..].to_owned());
        }
        if n >= 7 {
            fragments.push(digits[n - 7..].to_owned());
        }
    }
    if let Some(email) = personal.email {
        let local = email.split('@').next().unwrap_or_default().to_lowercase();
        if local.chars().count() >= 4 {
            fragments.push(local);
        }
    }
    for name in personal.names {
        let name = name.to_lowercase();
        if name.chars().count() >= 4 {
            fragments.push(name);
        }
    }
    fragments.iter().any(|f| lower.contains(f.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(password: &str) -> Vec<PasswordRule> {
        check_password(password, &Personal::default())
            .err()
            .unwrap_or_default()
    }

    #[test]
    fn a_strong_password_passes() {
        assert!(rules("Zorkiy-Ezh-2026!").is_empty());
        assert!(rules("Ёжик-в-тумане7").is_empty(), "Cyrillic letters count");
    }

    #[test]
    fn each_rule_is_reported() {
        assert!(rules("Ab1!").contains(&PasswordRule::TooShort));
        assert!(rules(&format!("Ab1!{}", "x".repeat(125))).contains(&PasswordRule::TooLong));
        assert_eq!(rules("ABCDEFG1!"), vec![PasswordRule::NoLowercase]);
        assert_eq!(rules("abcdefg1!"), vec![PasswordRule::NoUppercase]);
        assert_eq!(rules("Abcdefgh!"), vec![PasswordRule::NoDigit]);
        assert_eq!(rules("Abcdefgh1"), vec![PasswordRule::NoSpecial]);
        assert_eq!(
            rules("kabinet1"),
            vec![
                PasswordRule::NoUppercase,
                PasswordRule::NoSpecial,
                PasswordRule::Common
            ]
        );
    }

    #[test]
    fn well_known_passwords_are_refused_even_when_dressed_up() {
        for weak in [
            "P@ssw0rd1",
            "Qwerty123!",
            "Password2026!",
            "Admin123!",
            "Пароль123!",
            "Welcome1!",
            "1Q2w3e4r!",
            "P@$$w0rd!",
        ] {
            assert!(rules(weak).contains(&PasswordRule::Common), "{weak}");
        }
        assert!(!is_common("Zorkiy-Ezh-2026!"));
    }

    #[test]
    fn personal_data_is_refused() {
        let names = ["Петрова", "Анна"];
        let me = Personal {
            phone: Some("+79123456780"),
            email: Some("anna.petrova@mail.ru"),
            names: &names,
        };
        for password in [
            "X!9123456780x",
            "Ab!3456780zz",
            "Anna.Petrova@1",
            "Петрова-2026!",
        ] {
            assert_eq!(
                check_password(password, &me),
                Err(vec![PasswordRule::ContainsPersonalData]),
                "{password}"
            );
        }
        assert_eq!(check_password("Zorkiy-Ezh-2026!", &me), Ok(()));
    }
}
