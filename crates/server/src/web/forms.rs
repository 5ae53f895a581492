//! Form errors: which field, what is wrong, in the visitor's language. Pages show them twice, as
//! GOV-style accessibility asks: in an error summary at the top that links to each field, and
//! next to the field itself.

use std::borrow::Cow;

use super::i18n::{Lang, Msg};

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The field's `name` (and `id` on the page).
    pub field: &'static str,
    /// A stable code for API clients: `required`, `format`, `too_short`, `check_digit` …
    pub code: &'static str,
    pub message: Msg,
}

impl FieldIssue {
    /// An empty required field, with a message that names it and says what to do («Введите
    /// фамилию»), so that the error summary reads on its own.
    pub fn required(field: &'static str) -> Self {
        Self::new(field, "required", required_message(field))
    }

    pub const fn new(field: &'static str, code: &'static str, message: Msg) -> Self {
        Self {
            field,
            code,
            message,
        }
    }
}

/// What to tell a person who left `field` empty. Field names are shared by the forms (the same
/// `surname` on registration, the profile and recovery).
pub fn required_message(field: &str) -> Msg {
    match field {
        "surname" => Msg::new("Введите фамилию", "Enter your surname"),
        "given_name" => Msg::new("Введите имя", "Enter your first name"),
        "patronymic" => Msg::new("Введите отчество", "Enter your patronymic"),
        "phone" => Msg::new(
            "Введите номер мобильного телефона",
            "Enter your mobile phone number",
        ),
        "email" => Msg::new(
            "Введите адрес электронной почты",
            "Enter your e-mail address",
        ),
        "password" => Msg::new("Введите пароль", "Enter a password"),
        "new_password" => Msg::new("Введите новый пароль", "Enter a new password"),
        "password_confirm" | "confirm" => Msg::new("Повторите пароль", "Repeat the password"),
        "current" => Msg::new("Введите текущий пароль", "Enter your current password"),
        "login" => Msg::new(
            "Введите телефон, почту или СНИЛС",
            "Enter your phone, e-mail or SNILS",
        ),
        "code" => Msg::new("Введите код", "Enter the code"),
        "birth_date" => Msg::new("Введите дату рождения", "Enter your date of birth"),
        "snils" => Msg::new("Введите СНИЛС", "Enter your SNILS"),
        "passport_series" => Msg::new("Введите серию паспорта", "Enter the passport series"),
        "passport_number" => Msg::new("Введите номер паспорта", "Enter the passport number"),
        "contact" => Msg::new(
            "Введите телефон или почту для связи",
            "Enter a phone or e-mail to reach you",
        ),
        "title" => Msg::new("Введите заголовок", "Enter a title"),
        "title_ru" => Msg::new("Введите заголовок на русском", "Enter the title in Russian"),
        "title_en" => Msg::new(
            "Введите заголовок на английском",
            "Enter the title in English",
        ),
        "body_ru" => Msg::new("Введите текст на русском", "Enter the text in Russian"),
        "body_en" => Msg::new("Введите текст на английском", "Enter the text in English"),
        _ => Msg::new("Заполните поле", "Fill in this field"),
    }
}

/// The problems of a submitted form, ready for a template. Field names are mostly fixed; a form
/// whose fields are made from data (one per document kind) names them at run time.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    items: Vec<(Cow<'static, str>, String)>,
}

impl FormErrors {
    pub fn from_issues(issues: &[FieldIssue], lang: Lang) -> Self {
        let mut errors = Self::default();
        for issue in issues {
            // Every rule a field breaks is said (a password may break several), in one message.
            errors.push(issue.field, issue.message.get(lang));
        }
        errors
    }

    pub fn one(field: &'static str, message: Msg, lang: Lang) -> Self {
        Self {
            items: vec![(Cow::Borrowed(field), message.get(lang).to_owned())],
        }
    }

    /// Adds a message for a field (joined to the one it may already have).
    pub fn push(&mut self, field: impl Into<Cow<'static, str>>, message: &str) {
        let field = field.into();
        match self.items.iter_mut().find(|(f, _)| *f == field) {
            Some((_, text)) => {
                text.push_str(". ");
                text.push_str(message);
            }
            None => self.items.push((field, message.to_owned())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.items
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn items(&self) -> &[(Cow<'static, str>, String)] {
        &self.items
    }
}
