//! A service's form as data: steps of typed fields with their checks, conditions that show a
//! step or a field only when an earlier answer says so, and repeatable groups («добавить ещё»).
//! Operators edit forms; every draft and submission names the version it was filled against, so
//! a form is never changed under an answer.
//!
//! Answers travel as an HTML form sends them — a flat map of names to text, a group's rows named
//! `group.0.field`, `group.1.field` — and come back checked and in their normal form, with the
//! answers of hidden steps and fields dropped: what is submitted is exactly what was asked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::documents::{FieldError, FieldType, parse_date};

/// Words in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words {
    pub ru: String,
    pub en: String,
}

/// A form: its steps, one page each, then «Проверьте ответы».
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// In the address of the step's page: `/applications/{id}/steps/{step}`.
    pub id: String,
    pub title: Words,
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_when: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The answer's name; unique in the form.
    pub name: String,
    pub label: Words,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Words>,
    pub kind: Kind,
    #[serde(default)]
    pub required: bool,
    /// Where the answer is taken from before the citizen types (`profile.surname`,
    /// `document.passport_rf.number`…); the server resolves it, the page marks it as prefilled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_when: Option<Condition>,
}

/// Shown only when the answer to `field` is one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub field: String,
    pub any_of: Vec<String>,
}

/// One option of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: Words,
}

/// What a field holds and how it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One line, up to 200 characters.
    Text,
    /// Several lines (an appeal's text), up to `max` characters.
    LongText {
        max: usize,
    },
    /// A civil date (`ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`).
    Date,
    Choice {
        options: Vec<Choice>,
    },
    /// A postal address as one text, up to 500 characters.
    Address,
    Phone,
    Snils,
    /// INN of a person.
    Inn,
    /// Internal passport: series and number.
    Passport,
    /// Roubles as people type them (`1 500`, `1500,50`), kept in kopecks.
    Money,
    /// A box to tick; a required one must be ticked (a consent).
    Checkbox,
    /// Files: chosen from «Мои документы» or uploaded; the answer lists their references.
    Files {
        max: usize,
    },
    /// A group of fields the citizen repeats («добавить ещё»), up to `max` rows.
    Group {
        fields: Vec<Field>,
        max: usize,
    },
}

/// What is wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// One of the formats the documents know (required, too long, a date, check digits…).
    Field(FieldError),
    /// Not a phone number.
    Phone,
    /// Not an amount of money.
    Money,
    /// More files or rows than the form allows.
    TooMany,
}

/// The answers as sent: name → text.
pub type Answers = BTreeMap<String, String>;

/// A problem at an answer's name (`surname`, `children.1.birth_date`).
pub type Problems = Vec<(String, Problem)>;

const LONG_TEXT_LIMIT: usize = 20_000;
const ADDRESS_LIMIT: usize = 500;

impl Form {
    /// The answers a new draft of this form may start from when it repeats an earlier
    /// application or fills from a template: those of fields the form still has (a group's rows
    /// included), without its consents — a required box is ticked anew every time.
    pub fn carried_over(&self, answers: &Answers) -> Answers {
        let consent = |f: &Field| f.required && matches!(f.kind, Kind::Checkbox);
        let keeps = |name: &str| {
            self.steps.iter().flat_map(|s| &s.fields).any(|f| {
                if name == f.name {
                    // A group's answers are its rows' (`children.0.name`), never its own name.
                    let group = matches!(f.kind, Kind::Group { .. });
                    return !group && !consent(f);
                }
                let Kind::Group { fields, .. } = &f.kind else {
                    return false;
                };
                let Some(rest) = name
                    .strip_prefix(f.name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                else {
                    return false;
                };
                let mut parts = rest.splitn(2, '.');
                let row_ok = parts.next().is_some_and(|r| r.parse::<usize>().is_ok());
                let inner = parts.next().unwrap_or_default();
                row_ok && fields.iter().any(|i| i.name == inner && !consent(i))
            })
        };
        answers
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && keeps(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The steps the answers so far show, in order.
    pub fn shown_steps<'a>(&'a self, answers: &'a Answers) -> impl Iterator<Item = &'a Step> + 'a {
        self.steps
            .iter()
            .filter(move |s| holds(s.shown_when.as_ref(), answers))
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Checks one step's answers: its shown fields in their normal form, or the problems.
    pub fn check_step(&self, step: &Step, answers: &Answers) -> Result<Answers, Problems> {
        let mut out = Answers::new();
        let mut problems = Problems::new();
        for field in step.fields.iter() {
            check_field(field, "", answers, &mut out, &mut problems);
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// Checks the whole form before it is submitted: every shown step, with the answers of
    /// hidden ones left out.
    pub fn check(&self, answers: &Answers) -> Result<Answers, Problems> {
        let mut out = Answers::new();
        let mut problems = Problems::new();
        for step in self.shown_steps(answers) {
            match self.check_step(step, answers) {
                Ok(part) => out.extend(part),
                Err(p) => problems.extend(p),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// Problems of the form itself, for the operator's editor: names unique, conditions naming
    /// an earlier field, choices with options, limits above zero.
    pub fn mistakes(&self) -> Vec<String> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        let mut step_ids: Vec<&str> = Vec::new();
        for step in &self.steps {
            if step_ids.contains(&step.id.as_str()) {
                out.push(format!("step {:?} appears twice", step.id));
            }
            step_ids.push(&step.id);
            if let Some(c) = &step.shown_when
                && !seen.contains(&c.field.as_str())
            {
                out.push(format!(
                    "step {:?} depends on {:?}, not asked before it",
                    step.id, c.field
                ));
            }
            for field in &step.fields {
                field_mistakes(field, &mut seen, &mut out);
            }
        }
        if self.steps.is_empty() {
            out.push("the form has no steps".to_owned());
        }
        out
    }
}

fn field_mistakes<'a>(field: &'a Field, seen: &mut Vec<&'a str>, out: &mut Vec<String>) {
    if let Some(c) = &field.shown_when
        && !seen.contains(&c.field.as_str())
    {
        out.push(format!(
            "field {:?} depends on {:?}, not asked before it",
            field.name, c.field
        ));
    }
    if field.name.is_empty() || field.name.contains('.') {
        out.push(format!("field name {:?} is empty or has a dot", field.name));
    }
    if seen.contains(&field.name.as_str()) {
        out.push(format!("field {:?} appears twice", field.name));
    }
    seen.push(&field.name);
    match &field.kind {
        Kind::Choice { options } if options.is_empty() => {
            out.push(format!("choice {:?} has no options", field.name));
        }
        Kind::LongText { max } | Kind::Files { max } if *max == 0 => {
            out.push(format!("{:?} allows nothing", field.name));
        }
        Kind::Group { fields, max } => {
            if *max == 0 || fields.is_empty() {
                out.push(format!("group {:?} is empty", field.name));
            }
            for inner in fields {
                if matches!(inner.kind, Kind::Group { .. }) {
                    out.push(format!("group {:?} holds a group", field.name));
                }
                field_mistakes(inner, seen, out);
            }
        }
        _ => {}
    }
}

fn holds(condition: Option<&Condition>, answers: &Answers) -> bool {
    condition.is_none_or(|c| {
        answers
            .get(&c.field)
            .is_some_and(|a| c.any_of.iter().any(|v| v == a.trim()))
    })
}

fn check_field(
    field: &Field,
    prefix: &str,
    answers: &Answers,
    out: &mut Answers,
    problems: &mut Problems,
) {
    // Conditions look at answers of the same row first, then of the form.
    if !holds(field.shown_when.as_ref(), answers) {
        let in_row = field.shown_when.as_ref().is_some_and(|c| {
            answers
                .get(&format!("{prefix}{}", c.field))
                .is_some_and(|a| c.any_of.iter().any(|v| v == a.trim()))
        });
        if !in_row {
            return;
        }
    }
    let name = format!("{prefix}{}", field.name);
    if let Kind::Group { fields, max } = &field.kind {
        let rows = group_rows(&name, answers);
        if rows.len() > *max {
            problems.push((name.clone(), Problem::TooMany));
        }
        if field.required && rows.is_empty() {
            problems.push((name.clone(), Problem::Field(FieldError::Required)));
        }
        for (shown, row) in rows.iter().take(*max).enumerate() {
            // Rows are numbered again from 0, so a removed row leaves no gap.
            let from = format!("{name}.{row}.");
            let to = format!("{name}.{shown}.");
            let mut renamed = answers.clone();
            for (k, v) in answers.iter().filter(|(k, _)| k.starts_with(&from)) {
                renamed.insert(format!("{to}{}", &k[from.len()..]), v.clone());
            }
            for inner in fields {
                check_field(inner, &to, &renamed, out, problems);
            }
        }
        return;
    }
    let raw = answers.get(&name).map(|s| s.trim()).unwrap_or_default();
    if raw.is_empty() {
        if field.required {
            problems.push((name, Problem::Field(FieldError::Required)));
        }
        return;
    }
    match normal_form(&field.kind, raw) {
        Ok(value) => {
            out.insert(name, value);
        }
        Err(problem) => problems.push((name, problem)),
    }
}

/// The row numbers present in the answers for a group, in order.
fn group_rows(name: &str, answers: &Answers) -> Vec<usize> {
    let prefix = format!("{name}.");
    let mut rows: Vec<usize> = answers
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, _)| k.strip_prefix(&prefix))
        .filter_map(|rest| rest.split('.').next()?.parse().ok())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// An answer in its normal form for its kind, or what is wrong with it.
pub fn normal_form(kind: &Kind, raw: &str) -> Result<String, Problem> {
    let format = |t: FieldType| t.normalise(raw, &[]).map_err(Problem::Field);
    match kind {
        Kind::Text => format(FieldType::Text),
        Kind::LongText { max } => {
            if raw.chars().count() > (*max).min(LONG_TEXT_LIMIT) {
                Err(Problem::Field(FieldError::TooLong))
            } else {
                // Line breaks are the citizen's: kept, as \n.
                Ok(raw.replace("\r\n", "\n"))
            }
        }
        Kind::Date => parse_date(raw)
            .map(|d| d.to_string())
            .map_err(Problem::Field),
        Kind::Choice { options } => options
            .iter()
            .find(|o| o.code == raw)
            .map(|o| o.code.clone())
            .ok_or(Problem::Field(FieldError::Choice)),
        Kind::Address => {
            if raw.chars().count() > ADDRESS_LIMIT {
                Err(Problem::Field(FieldError::TooLong))
            } else {
                Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
            }
        }
        Kind::Phone => crate::Phone::parse(raw)
            .map(|p| p.as_str().to_owned())
            .map_err(|_| Problem::Phone),
        Kind::Snils => format(FieldType::Snils),
        Kind::Inn => format(FieldType::Inn),
        Kind::Passport => format(FieldType::PassportRf),
        Kind::Money => kopecks(raw).map(|k| k.to_string()).ok_or(Problem::Money),
        Kind::Checkbox => match raw {
            "on" | "yes" | "true" | "1" => Ok("yes".to_owned()),
            _ => Err(Problem::Field(FieldError::Choice)),
        },
        Kind::Files { max } => {
            let refs: Vec<&str> = raw
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .collect();
            if refs.len() > *max {
                Err(Problem::TooMany)
            } else {
                Ok(refs.join(","))
            }
        }
        Kind::Group { .. } => Err(Problem::Field(FieldError::Format)),
    }
}

/// Roubles as typed — `1500`, `1 500`, `1500,5`, `1500.50`, `1 500 ₽` — in kopecks; at most two
/// digits after the comma and no more than a billion roubles.
pub fn kopecks(typed: &str) -> Option<i64> {
    let cleaned: String = typed
        .trim()
        .trim_end_matches('₽')
        .trim_end_matches("руб.")
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    let (whole, part) = match cleaned.split_once([',', '.']) {
        Some((w, p)) => (w, p),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty()
        || whole.len() > 10
        || part.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !part.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let roubles: i64 = whole.parse().ok()?;
    let kop: i64 = match part.len() {
        0 => 0,
        1 => part.parse::<i64>().ok()? * 10,
        _ => part.parse().ok()?,
    };
    (roubles <= 1_000_000_000).then_some(roubles * 100 + kop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ru: &str) -> Words {
        Words {
            ru: ru.to_owned(),
            en: ru.to_owned(),
        }
    }

    fn field(name: &str, kind: Kind, required: bool) -> Field {
        Field {
            name: name.to_owned(),
            label: words(name),
            hint: None,
            kind,
            required,
            prefill: None,
            shown_when: None,
        }
    }

    /// Replacing the internal passport: why, then (only for a lost one) how it was lost, then
    /// the children to enter.
    fn passport_form() -> Form {
        let reason = field(
            "reason",
            Kind::Choice {
                options: ["age_20", "age_45", "lost", "name_changed"]
                    .map(|c| Choice {
                        code: c.to_owned(),
                        label: words(c),
                    })
                    .to_vec(),
            },
            true,
        );
        Form {
            steps: vec![
                Step {
                    id: "reason".into(),
                    title: words("Причина"),
                    fields: vec![reason, field("snils", Kind::Snils, true)],
                    shown_when: None,
                },
                Step {
                    id: "loss".into(),
                    title: words("Утрата"),
                    fields: vec![
                        field("lost_on", Kind::Date, true),
                        field("circumstances", Kind::LongText { max: 2000 }, true),
                    ],
                    shown_when: Some(Condition {
                        field: "reason".into(),
                        any_of: vec!["lost".into()],
                    }),
                },
                Step {
                    id: "children".into(),
                    title: words("Дети"),
                    fields: vec![Field {
                        name: "children".into(),
                        label: words("Дети до 14 лет"),
                        hint: None,
                        kind: Kind::Group {
                            fields: vec![
                                field("name", Kind::Text, true),
                                field("birth_date", Kind::Date, true),
                            ],
                            max: 3,
                        },
                        required: false,
                        prefill: None,
                        shown_when: None,
                    }],
                    shown_when: None,
                },
                Step {
                    id: "consent".into(),
                    title: words("Согласие"),
                    fields: vec![
                        field("fee", Kind::Money, true),
                        field("agree", Kind::Checkbox, true),
                    ],
                    shown_when: None,
                },
            ],
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_repeat_carries_the_answers_but_not_the_consent_nor_what_the_form_lost() {
        let form = passport_form();
        let earlier = answers(&[
            ("reason", "lost"),
            ("lost_on", "2026-01-05"),
            ("children.0.name", "Иван"),
            ("children.0.birth_date", "2015-02-03"),
            ("children.0.shoe_size", "33"),
            ("children.x.name", "?"),
            ("fee", "300"),
            ("agree", "on"),
            ("retired_field", "что-то"),
            ("snils", "  "),
        ]);
        let carried = form.carried_over(&earlier);
        assert_eq!(
            carried,
            answers(&[
                ("reason", "lost"),
                ("lost_on", "2026-01-05"),
                ("children.0.name", "Иван"),
                ("children.0.birth_date", "2015-02-03"),
                ("fee", "300"),
            ])
        );
    }

    #[test]
    fn a_hidden_step_is_neither_asked_nor_kept() {
        let form = passport_form();
        let a = answers(&[
            ("reason", "age_20"),
            ("snils", "112-233-445 95"),
            ("lost_on", "not a date"),
            ("fee", "300"),
            ("agree", "on"),
        ]);
        let ids: Vec<&str> = form.shown_steps(&a).map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["reason", "children", "consent"]);
        let checked = form.check(&a).expect("valid");
        assert!(
            !checked.contains_key("lost_on"),
            "the hidden answer is dropped"
        );
        assert_eq!(checked["snils"], "112-233-445 95");
        assert_eq!(checked["fee"], "30000", "kopecks");
        assert_eq!(checked["agree"], "yes");
    }

    #[test]
    fn a_shown_step_is_checked_and_says_which_answer_is_wrong() {
        let form = passport_form();
        let a = answers(&[
            ("reason", "lost"),
            ("snils", "112-233-445 96"),
            ("lost_on", "31.02.2026"),
            ("fee", "три рубля"),
        ]);
        let problems = form.check(&a).expect_err("invalid");
        assert_eq!(
            problems,
            [
                ("snils".to_owned(), Problem::Field(FieldError::CheckDigit)),
                ("lost_on".to_owned(), Problem::Field(FieldError::NoSuchDate)),
                (
                    "circumstances".to_owned(),
                    Problem::Field(FieldError::Required)
                ),
                ("fee".to_owned(), Problem::Money),
                ("agree".to_owned(), Problem::Field(FieldError::Required)),
            ]
        );
    }

    #[test]
    fn repeated_rows_are_checked_renumbered_and_capped() {
        let form = passport_form();
        let step = form.step("children").expect("step");
        let a = answers(&[
            ("children.0.name", "Иван"),
            ("children.0.birth_date", "01.02.2015"),
            ("children.3.name", "Мария"),
            ("children.3.birth_date", "2018-07-09"),
        ]);
        let checked = form.check_step(step, &a).expect("valid");
        assert_eq!(
            checked["children.1.name"], "Мария",
            "no gap after a removed row"
        );
        assert_eq!(checked["children.1.birth_date"], "2018-07-09");
        let missing = answers(&[("children.0.name", "Иван")]);
        assert_eq!(
            form.check_step(step, &missing).expect_err("invalid"),
            [(
                "children.0.birth_date".to_owned(),
                Problem::Field(FieldError::Required)
            )]
        );
        let many: Answers = (0..4)
            .map(|i| (format!("children.{i}.name"), "Имя".to_owned()))
            .collect();
        assert!(
            form.check_step(step, &many)
                .expect_err("too many")
                .contains(&("children".to_owned(), Problem::TooMany))
        );
    }

    #[test]
    fn money_is_read_as_people_type_it() {
        for (typed, k) in [
            ("1500", Some(150_000)),
            ("1 500", Some(150_000)),
            ("1500,5", Some(150_050)),
            ("1500.05", Some(150_005)),
            ("2 000 ₽", Some(200_000)),
            ("0,99", Some(99)),
            ("1,234", None),
            ("-5", None),
            ("", None),
            ("12a", None),
        ] {
            assert_eq!(kopecks(typed), k, "{typed}");
        }
    }

    #[test]
    fn the_form_survives_its_stored_shape_and_the_editor_finds_its_mistakes() {
        let form = passport_form();
        let json = serde_json::to_string(&form).expect("json");
        assert_eq!(serde_json::from_str::<Form>(&json).expect("read"), form);
        assert!(form.mistakes().is_empty(), "{:?}", form.mistakes());
        let mut broken = form.clone();
        broken.steps[0]
            .fields
            .push(field("snils", Kind::Text, false));
        broken.steps[1].shown_when = Some(Condition {
            field: "later".into(),
            any_of: vec![],
        });
        let found = broken.mistakes();
        assert!(
            found.iter().any(|m| m.contains("\"snils\" appears twice")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|m| m.contains("not asked before it")),
            "{found:?}"
        );
    }
}
