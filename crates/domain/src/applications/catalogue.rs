//! The catalogue of services as it is seeded (`catalogue.json`, beside this file) and as the
//! operators' editor keeps it: agencies, categories, and services with their forms.

use serde::{Deserialize, Serialize};

use super::form::{Form, Words};

/// The seeded catalogue: what a new installation offers before an operator changes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seed {
    pub agencies: Vec<Agency>,
    pub categories: Vec<Category>,
    pub services: Vec<Service>,
}

/// An agency (ведомство) that handles services and whose officers work its queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub code: String,
    pub name: Words,
    /// As a line of the application's journal says it: «МВД России».
    pub short: Words,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: Words,
}

/// The identity level a service needs (the profile's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Simplified,
    Standard,
    Confirmed,
}

/// How a service's term is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Days {
    Calendar,
    /// Working days: weekends and the official holidays are not counted.
    Working,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub days: u16,
    pub counted: Days,
}

impl Term {
    /// The last day of the term for an application received on `received` (counted from the
    /// next day; a day off at the end moves it to the next working day).
    pub fn due(self, received: jiff::civil::Date) -> jiff::civil::Date {
        match self.counted {
            Days::Working => crate::working_days::add_working_days(received, self.days),
            Days::Calendar => crate::working_days::add_calendar_days(received, self.days),
        }
    }
}

/// What the citizen gets when the application is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    /// A document of this kind arrives in «Мои документы»; with `replaces`, it archives the
    /// person's documents of the kind it replaces (a new passport, a new licence).
    Document {
        kind: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        replaces: bool,
    },
    /// An answer from the agency (an appeal's reply, a decision).
    Answer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub category: String,
    pub agency: String,
    pub name: Words,
    /// One or two sentences on the service's page and in search results.
    pub summary: Words,
    pub level: Level,
    /// The state fee in kopecks (0 when free).
    pub fee_kopecks: i64,
    pub term: Term,
    pub outcome: Outcome,
    /// What to have at hand (or bring).
    pub documents_needed: Vec<Words>,
    /// The result is handed over (or the original checked) at an office.
    pub needs_visit: bool,
    /// Shown among «Популярные услуги».
    pub popular: bool,
    /// More words people search by (the name and summary are searched anyway).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Where the figures come from (a law, the agency's page), for the operator.
    #[serde(default)]
    pub sources: Vec<String>,
    pub form: Form,
}

impl Seed {
    /// The catalogue every new installation starts with.
    pub fn builtin() -> Result<Seed, serde_json::Error> {
        serde_json::from_str(include_str!("catalogue.json"))
    }

    /// What is wrong with the catalogue: unknown agencies or categories, duplicate codes, and
    /// every form's own mistakes.
    pub fn mistakes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut codes: Vec<&str> = Vec::new();
        for s in &self.services {
            if codes.contains(&s.code.as_str()) {
                out.push(format!("service {:?} appears twice", s.code));
            }
            codes.push(&s.code);
            if !self.agencies.iter().any(|a| a.code == s.agency) {
                out.push(format!("service {:?}: no agency {:?}", s.code, s.agency));
            }
            if !self.categories.iter().any(|c| c.code == s.category) {
                out.push(format!(
                    "service {:?}: no category {:?}",
                    s.code, s.category
                ));
            }
            if s.fee_kopecks < 0 || s.term.days == 0 {
                out.push(format!("service {:?}: a fee below zero or no term", s.code));
            }
            for m in s.form.mistakes() {
                out.push(format!("service {:?}: {m}", s.code));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::form::{Answers, Condition, Field, Kind};
    use super::*;

    fn seed() -> Seed {
        Seed::builtin().expect("catalogue.json reads")
    }

    fn service<'a>(seed: &'a Seed, code: &str) -> &'a Service {
        seed.services
            .iter()
            .find(|s| s.code == code)
            .unwrap_or_else(|| panic!("no service {code:?}"))
    }

    /// Every field of a form, the fields of groups included.
    fn all_fields(form: &Form) -> Vec<&Field> {
        let mut out = Vec::new();
        for step in &form.steps {
            for field in &step.fields {
                out.push(field);
                if let Kind::Group { fields, .. } = &field.kind {
                    out.extend(fields.iter());
                }
            }
        }
        out
    }

    /// The document kinds the server knows, with the fields of their own that a prefill may name.
    const DOCUMENT_KINDS: [(&str, &[&str]); 11] = [
        (
            "passport_rf",
            &[
                "surname",
                "given_name",
                "patronymic",
                "birth_date",
                "division_code",
                "place_of_birth",
            ],
        ),
        (
            "foreign_passport",
            &["surname", "given_name", "birth_date", "passport_type"],
        ),
        (
            "driving_licence",
            &[
                "surname",
                "given_name",
                "patronymic",
                "birth_date",
                "categories",
            ],
        ),
        ("snils", &["surname", "given_name", "patronymic"]),
        ("inn", &[]),
        ("oms_policy", &[]),
        ("birth_certificate", &["person"]),
        ("marriage_certificate", &["spouse"]),
        ("vehicle_registration", &["vehicle", "plate", "vin"]),
        ("osago", &["plate"]),
        ("stay_registration", &["address"]),
    ];

    const PROFILE_FIELDS: [&str; 13] = [
        "surname",
        "given_name",
        "patronymic",
        "birth_date",
        "sex",
        "place_of_birth",
        "snils",
        "inn",
        "passport",
        "registration_address",
        "actual_address",
        "phone",
        "email",
    ];

    fn is_known_source(source: &str) -> bool {
        let parts: Vec<&str> = source.split('.').collect();
        match parts.as_slice() {
            ["profile", field] => PROFILE_FIELDS.contains(field),
            ["document", kind, field] => DOCUMENT_KINDS.iter().any(|(k, own)| {
                k == kind
                    && (["number", "issuer", "issued_on", "files"].contains(field)
                        || own.contains(field))
            }),
            _ => false,
        }
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_builtin_catalogue_reads_and_has_no_mistakes() {
        let seed = seed();
        assert!(seed.mistakes().is_empty(), "{:#?}", seed.mistakes());
    }

    #[test]
    fn about_a_dozen_services_with_the_codes_the_product_links_to() {
        let seed = seed();
        assert!(
            (12..=16).contains(&seed.services.len()),
            "{} services",
            seed.services.len()
        );
        for code in [
            "passport_replacement",
            "foreign_passport",
            "driving_licence_replacement",
            "stay_registration",
            "appeal",
            "surname_change_documents",
            "marriage_registration",
            "birth_registration",
            "unified_child_allowance",
            "tax_deduction",
            "oms_policy",
            "vehicle_registration",
        ] {
            service(&seed, code);
        }
        for code in [
            "mvd",
            "gibdd",
            "fns",
            "sfr",
            "zags",
            "rosreestr",
            "foms",
            "municipality",
        ] {
            assert!(
                seed.agencies.iter().any(|a| a.code == code),
                "no agency {code}"
            );
        }
    }

    #[test]
    fn the_passport_replacement_is_a_passport_made_at_an_office() {
        let seed = seed();
        let s = service(&seed, "passport_replacement");
        assert_eq!(s.category, "passports");
        assert_eq!(s.agency, "mvd");
        assert_eq!(
            s.outcome,
            Outcome::Document {
                kind: "passport_rf".into(),
                replaces: true,
            }
        );
        assert!(s.needs_visit);
        assert!(s.popular);
        assert_ne!(s.level, Level::Simplified);
        assert!(s.fee_kopecks > 0);
        assert_eq!(
            s.form
                .step("name_change")
                .and_then(|st| st.shown_when.as_ref()),
            Some(&Condition {
                field: "reason".into(),
                any_of: vec!["name_changed".into()],
            })
        );
        let shown = |reason: &str| -> Vec<String> {
            let a = answers(&[("reason", reason)]);
            s.form.shown_steps(&a).map(|st| st.id.clone()).collect()
        };
        assert!(shown("name_changed").contains(&"name_change".to_owned()));
        for other in ["age_20", "age_45", "unusable", "lost"] {
            assert!(!shown(other).contains(&"name_change".to_owned()), "{other}");
        }
        assert!(shown("lost").contains(&"loss".to_owned()));
        assert!(!shown("age_45").contains(&"loss".to_owned()));
    }

    #[test]
    fn services_that_issue_identity_documents_need_more_than_a_simplified_account() {
        let seed = seed();
        for s in &seed.services {
            if let Outcome::Document { kind, .. } = &s.outcome
                && ["passport_rf", "foreign_passport", "driving_licence"].contains(&kind.as_str())
            {
                assert_ne!(s.level, Level::Simplified, "{}", s.code);
            }
        }
    }

    #[test]
    fn every_form_ends_with_a_required_checkbox() {
        let seed = seed();
        for s in &seed.services {
            let last = s
                .form
                .steps
                .last()
                .and_then(|st| st.fields.last())
                .unwrap_or_else(|| panic!("{}: an empty form", s.code));
            assert!(
                matches!(last.kind, Kind::Checkbox) && last.required,
                "{}: ends with {:?}",
                s.code,
                last.name
            );
            let consent = s.form.steps.last().expect("a step");
            assert!(
                consent.shown_when.is_none(),
                "{}: consent is always asked",
                s.code
            );
        }
    }

    #[test]
    fn every_prefill_names_a_source_the_server_resolves() {
        let seed = seed();
        for s in &seed.services {
            for f in all_fields(&s.form) {
                if let Some(source) = &f.prefill {
                    assert!(
                        is_known_source(source),
                        "{}: {} is prefilled from {source:?}",
                        s.code,
                        f.name
                    );
                }
            }
        }
        assert!(is_known_source("document.passport_rf.division_code"));
        assert!(!is_known_source("document.passport_rf.spouse"));
        assert!(!is_known_source("profile.nickname"));
        assert!(!is_known_source("profile"));
    }

    #[test]
    fn every_category_has_a_service_and_every_outcome_a_known_kind() {
        let seed = seed();
        for c in &seed.categories {
            assert!(
                seed.services.iter().any(|s| s.category == c.code),
                "category {} is empty",
                c.code
            );
        }
        for s in &seed.services {
            if let Outcome::Document { kind, .. } = &s.outcome {
                assert!(
                    DOCUMENT_KINDS.iter().any(|(k, _)| k == kind),
                    "{}: {kind}",
                    s.code
                );
            }
        }
    }

    #[test]
    fn every_service_says_where_its_figures_come_from_in_both_languages() {
        let seed = seed();
        for s in &seed.services {
            assert!(!s.sources.is_empty(), "{}: no sources", s.code);
            assert!(!s.documents_needed.is_empty(), "{}", s.code);
            assert!(
                (3..=8).contains(&s.form.steps.len()),
                "{}: {} steps",
                s.code,
                s.form.steps.len()
            );
            for f in all_fields(&s.form) {
                assert!(
                    !f.label.ru.is_empty() && !f.label.en.is_empty(),
                    "{}: {}",
                    s.code,
                    f.name
                );
                if let Kind::Choice { options } = &f.kind {
                    for o in options {
                        assert!(!o.label.ru.is_empty() && !o.label.en.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn the_figures_that_are_free_and_the_appeal_term_are_as_the_law_says() {
        let seed = seed();
        for code in [
            "stay_registration",
            "appeal",
            "birth_registration",
            "unified_child_allowance",
            "tax_deduction",
            "oms_policy",
        ] {
            assert_eq!(service(&seed, code).fee_kopecks, 0, "{code}");
        }
        let appeal = service(&seed, "appeal");
        assert_eq!(
            appeal.term,
            Term {
                days: 30,
                counted: Days::Calendar
            }
        );
        assert_eq!(appeal.outcome, Outcome::Answer);
        assert_eq!(appeal.level, Level::Simplified);
        // The postal address is asked only of those who want the answer by post.
        let by_email = answers(&[("answer_by", "email")]);
        let answer = appeal.form.step("answer").expect("answer step");
        let asked: Vec<&str> = answer
            .fields
            .iter()
            .filter(|f| {
                f.shown_when
                    .as_ref()
                    .is_none_or(|c| by_email.get(&c.field).is_some_and(|v| c.any_of.contains(v)))
            })
            .map(|f| f.name.as_str())
            .collect();
        assert!(!asked.contains(&"postal_address"), "{asked:?}");
    }
}
