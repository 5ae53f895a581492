//! A form's fields as the pages draw them and its answers as the pages show them: one control
//! per field (radios for a few choices, a list for many, a box, a list of the citizen's files,
//! the rows of a group with one empty row to add another), the problems in the citizen's
//! language, and each answer in words («Мужской», «12.05.1990», «300 ₽», the files' names).

use domain::applications::form::{Answers, Field, Kind, Problem, Step, Words};
use store::applications::Choosable;

use crate::features::documents::service::field_text;
use crate::web::i18n::Lang;

/// The words in the page's language.
pub fn said(w: &Words, lang: Lang) -> String {
    match lang {
        Lang::Ru => w.ru.clone(),
        Lang::En => w.en.clone(),
    }
}

/// One file a files field offers.
pub struct FileOption {
    pub id: String,
    pub label: String,
    pub checked: bool,
}

/// One field as a page draws it.
pub struct Control {
    /// The answer's name, also the input's id.
    pub name: String,
    pub label: String,
    pub hint: String,
    pub error: Option<String>,
    /// `text`, `textarea`, `radios`, `select`, `checkbox`, `files` or `group`.
    pub control: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub files: Vec<FileOption>,
    pub prefilled: bool,
    pub required: bool,
    pub autocomplete: &'static str,
    pub inputmode: &'static str,
    /// A group's rows, each its inner controls (the last one empty while more may be added).
    pub rows: Vec<Vec<Control>>,
}

impl Control {
    /// The ids the input's `aria-describedby` names.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }

    /// Whether a files field or a choice has this value ticked.
    pub fn is_chosen(&self, value: &str) -> bool {
        self.value == value
    }
}

/// What a step's page draws: its controls with the answers (as typed when they did not pass).
pub struct Drawn<'a> {
    pub answers: &'a Answers,
    pub problems: &'a [(String, Problem)],
    pub prefilled: &'a [String],
    pub files: &'a [Choosable],
    pub lang: Lang,
}

impl Drawn<'_> {
    /// The step's controls. A field that depends on an answer of the same step is drawn
    /// anyway, its hint saying when it is needed: without a script the page cannot reveal it
    /// when the answer is chosen, and the check drops it when it is not asked.
    pub fn step(&self, step: &Step) -> Vec<Control> {
        step.fields
            .iter()
            .filter(|f| shown(f, "", self.answers) || depends_within(f, step))
            .map(|f| self.control(f, ""))
            .collect()
    }

    fn control(&self, field: &Field, prefix: &str) -> Control {
        let name = format!("{prefix}{}", field.name);
        let lang = self.lang;
        let label = said(&field.label, lang);
        let error = self
            .problems
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| problem_text(*p, field, lang));
        let raw = self.answers.get(&name).cloned().unwrap_or_default();
        let mut c = Control {
            hint: field
                .hint
                .as_ref()
                .map(|h| said(h, lang))
                .or_else(|| default_hint(&field.kind, lang))
                .unwrap_or_default(),
            error,
            control: "text",
            value: shown_for_typing(&field.kind, &raw),
            options: Vec::new(),
            files: Vec::new(),
            prefilled: self.prefilled.contains(&name),
            required: field.required,
            autocomplete: autocomplete(field),
            inputmode: "",
            rows: Vec::new(),
            name,
            label,
        };
        match &field.kind {
            Kind::LongText { .. } => c.control = "textarea",
            Kind::Choice { options } => {
                c.control = if options.len() <= 5 {
                    "radios"
                } else {
                    "select"
                };
                c.options = options
                    .iter()
                    .map(|o| (o.code.clone(), said(&o.label, lang)))
                    .collect();
            }
            Kind::Checkbox => c.control = "checkbox",
            Kind::Phone => c.inputmode = "tel",
            Kind::Snils | Kind::Inn | Kind::Passport => c.inputmode = "numeric",
            Kind::Money => c.inputmode = "decimal",
            Kind::Files { .. } => {
                c.control = "files";
                let chosen: Vec<&str> = raw.split(',').map(str::trim).collect();
                c.files = self
                    .files
                    .iter()
                    .map(|f| FileOption {
                        id: f.file_id.clone(),
                        label: format!("{} — {}", f.document_title, f.name),
                        checked: chosen.contains(&f.file_id.as_str()),
                    })
                    .collect();
            }
            Kind::Group { fields, max } => {
                c.control = "group";
                let rows = row_numbers(&c.name, self.answers);
                let mut drawn: Vec<Vec<Control>> = rows
                    .iter()
                    .map(|row| {
                        let p = format!("{}.{row}.", c.name);
                        fields.iter().map(|f| self.control(f, &p)).collect()
                    })
                    .collect();
                if drawn.len() < *max {
                    let next = rows.last().map_or(0, |r| r + 1);
                    let p = format!("{}.{next}.", c.name);
                    drawn.push(fields.iter().map(|f| self.control(f, &p)).collect());
                }
                c.rows = drawn;
            }
            Kind::Text | Kind::Date | Kind::Address => {}
        }
        c
    }
}

/// Whether a field's condition names another field of its own step.
fn depends_within(field: &Field, step: &Step) -> bool {
    field
        .shown_when
        .as_ref()
        .is_some_and(|c| step.fields.iter().any(|f| f.name == c.field))
}

/// Whether a field is asked for the answers so far.
fn shown(field: &Field, _prefix: &str, answers: &Answers) -> bool {
    field.shown_when.as_ref().is_none_or(|c| {
        answers
            .get(&c.field)
            .is_some_and(|a| c.any_of.iter().any(|v| v == a.trim()))
    })
}

/// The rows of a group present in the answers, in order.
fn row_numbers(name: &str, answers: &Answers) -> Vec<usize> {
    let prefix = format!("{name}.");
    let mut rows: Vec<usize> = answers
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('.').next()?.parse().ok())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// A stored date is shown as people type it: `2026-05-12` → `12.05.2026`; money in roubles.
fn shown_for_typing(kind: &Kind, raw: &str) -> String {
    match kind {
        Kind::Date => raw
            .parse::<jiff::civil::Date>()
            .map(|d| d.strftime("%d.%m.%Y").to_string())
            .unwrap_or_else(|_| raw.to_owned()),
        Kind::Money => match raw.parse::<i64>() {
            Ok(k) if k % 100 == 0 => (k / 100).to_string(),
            Ok(k) => format!("{},{:02}", k / 100, k % 100),
            Err(_) => raw.to_owned(),
        },
        _ => raw.to_owned(),
    }
}

fn default_hint(kind: &Kind, lang: Lang) -> Option<String> {
    let (ru, en) = match kind {
        Kind::Date => ("Например, 15.03.1990", "For example, 15.03.1990"),
        Kind::Snils => (
            "11 цифр, например 112-233-445 95",
            "11 digits, e.g. 112-233-445 95",
        ),
        Kind::Inn => ("12 цифр", "12 digits"),
        Kind::Passport => (
            "Серия и номер, например 4510 123456",
            "Series and number, e.g. 4510 123456",
        ),
        Kind::Phone => (
            "Например, +7 900 123-45-67",
            "For example, +7 900 123-45-67",
        ),
        Kind::Money => ("В рублях, например 1 500,50", "In roubles, e.g. 1 500,50"),
        _ => return None,
    };
    Some(lang.pick(ru, en).to_owned())
}

fn autocomplete(field: &Field) -> &'static str {
    match field.prefill.as_deref() {
        Some("profile.surname") => "family-name",
        Some("profile.given_name") => "given-name",
        Some("profile.patronymic") => "additional-name",
        Some("profile.birth_date") => "bday",
        Some("profile.phone") => "tel",
        Some("profile.email") => "email",
        Some("profile.registration_address" | "profile.actual_address") => "street-address",
        _ => "off",
    }
}

/// What is wrong with an answer, naming the field.
pub fn problem_text(problem: Problem, field: &Field, lang: Lang) -> String {
    use domain::documents::FieldError;
    let (ru, en) = match (problem, &field.kind) {
        (Problem::Field(FieldError::Choice), Kind::Files { .. }) => {
            return lang
                .pick(
                    "Выбранный файл больше недоступен: выберите файл из «Моих документов» ещё раз",
                    "The chosen file is no longer there: choose a file from My documents again",
                )
                .to_owned();
        }
        (Problem::Field(FieldError::Required), Kind::Checkbox) => {
            ("отметьте, чтобы продолжить", "tick it to go on")
        }
        (Problem::Field(err), _) => {
            return field_text(err, &field.label.ru, &field.label.en, example(&field.kind))
                .get(lang)
                .to_owned();
        }
        (Problem::Phone, _) => (
            "введите номер мобильного телефона, например +7 900 123-45-67",
            "enter a mobile number, e.g. +7 900 123-45-67",
        ),
        (Problem::Money, _) => (
            "введите сумму в рублях, например 1 500,50",
            "enter an amount in roubles, e.g. 1 500,50",
        ),
        (Problem::TooMany, _) => ("выбрано больше, чем можно", "more than allowed"),
    };
    format!("{}: {}", said(&field.label, lang), lang.pick(ru, en))
}

fn example(kind: &Kind) -> Option<&'static str> {
    match kind {
        Kind::Snils => Some("112-233-445 95"),
        Kind::Inn => Some("500100732259"),
        Kind::Passport => Some("4510 123456"),
        _ => None,
    }
}

/// One answer as the check page and the application's page show it.
pub struct ShownAnswer {
    pub name: String,
    pub label: String,
    pub value: String,
    /// Each row of a group: its (label, value) pairs.
    pub rows: Vec<Vec<(String, String)>>,
}

/// The answers of a step in words; unanswered optional fields say «Не указано».
pub fn shown_answers(
    step: &Step,
    answers: &Answers,
    files: &dyn Fn(&str) -> Option<String>,
    lang: Lang,
) -> Vec<ShownAnswer> {
    step.fields
        .iter()
        .filter(|f| shown(f, "", answers))
        .map(|f| {
            let rows = match &f.kind {
                Kind::Group { fields, .. } => row_numbers(&f.name, answers)
                    .into_iter()
                    .map(|row| {
                        fields
                            .iter()
                            .map(|inner| {
                                let key = format!("{}.{row}.{}", f.name, inner.name);
                                (
                                    said(&inner.label, lang),
                                    in_words(inner, answers.get(&key), files, lang),
                                )
                            })
                            .collect()
                    })
                    .collect(),
                _ => Vec::new(),
            };
            ShownAnswer {
                name: f.name.clone(),
                label: said(&f.label, lang),
                value: if rows.is_empty() {
                    in_words(f, answers.get(&f.name), files, lang)
                } else {
                    String::new()
                },
                rows,
            }
        })
        .collect()
}

fn in_words(
    field: &Field,
    value: Option<&String>,
    files: &dyn Fn(&str) -> Option<String>,
    lang: Lang,
) -> String {
    let none = lang.pick("Не указано", "Not given").to_owned();
    let Some(v) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return none;
    };
    match &field.kind {
        Kind::Choice { options } => options
            .iter()
            .find(|o| o.code == v)
            .map_or_else(|| v.to_owned(), |o| said(&o.label, lang)),
        Kind::Checkbox => lang.pick("Да", "Yes").to_owned(),
        Kind::Date => shown_for_typing(&field.kind, v),
        Kind::Money => v
            .parse::<i64>()
            .map(|k| super::catalogue::fee(k, lang))
            .unwrap_or_else(|_| v.to_owned()),
        Kind::Files { .. } => v
            .split(',')
            .map(str::trim)
            .map(|id| files(id).unwrap_or_else(|| lang.pick("файл", "file").to_owned()))
            .collect::<Vec<_>>()
            .join("; "),
        _ => v.to_owned(),
    }
}

/// The inner field of a group an answer's name (`children.1.birth_date`) points at.
pub fn inner_field<'a>(
    group: &'a domain::applications::form::Field,
    name: &str,
) -> Option<&'a domain::applications::form::Field> {
    let inner = name.rsplit('.').next()?;
    match &group.kind {
        domain::applications::form::Kind::Group { fields, .. } => {
            fields.iter().find(|f| f.name == inner)
        }
        _ => None,
    }
}

/// Each problem in words, at its answer's name — for the JSON API, which has no page to draw.
pub fn problems_in_words(
    form: &domain::applications::form::Form,
    problems: &domain::applications::form::Problems,
    lang: Lang,
) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|(name, problem)| {
            let base = name.split('.').next().unwrap_or_default();
            let field = form
                .steps
                .iter()
                .flat_map(|s| &s.fields)
                .find(|f| f.name == base);
            let text = match field {
                Some(f) => problem_text(*problem, inner_field(f, name).unwrap_or(f), lang),
                None => lang
                    .pick("В форме нет такого поля", "The form has no such field")
                    .to_owned(),
            };
            (name.clone(), text)
        })
        .collect()
}
