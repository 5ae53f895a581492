//! Answers taken from the profile and «Мои документы» before the citizen types: a field's
//! `prefill` names its source — `profile.<field>` or `document.<kind>.<field>` (`number`,
//! `issued_on`, `issuer`, `files`, or a field of the kind's own). The newest active document of
//! the kind is used. Values come in the normal form the form's check gives, so a prefilled
//! answer passes unchanged.

use std::collections::HashMap;

use domain::applications::form::{Answers, Field, Form, Kind, normal_form};
use store::documents::{DocumentRow, Filter};
use store::users::Profile;
use store::{Db, StoreError};

/// Where a form's prefilled answers come from, read once per draft.
pub struct Sources {
    profile: Option<Profile>,
    documents: HashMap<String, Option<DocumentRow>>,
    files: HashMap<String, Vec<String>>,
}

impl Sources {
    /// Reads the profile and the newest active document of each kind the form names.
    pub async fn read(db: &Db, owner_id: &str, form: &Form) -> Result<Self, StoreError> {
        let profile = store::users::profile(db, owner_id).await?;
        let mut documents = HashMap::new();
        let mut files = HashMap::new();
        for field in every_field(form) {
            let Some(kind) = field
                .prefill
                .as_deref()
                .and_then(|p| p.strip_prefix("document."))
                .and_then(|rest| rest.split('.').next())
            else {
                continue;
            };
            if documents.contains_key(kind) {
                continue;
            }
            let filter = Filter {
                state: "active".to_owned(),
                kind: Some(kind.to_owned()),
                ..Filter::default()
            };
            let newest = store::documents::list(db, owner_id, &filter)
                .await?
                .into_iter()
                .next();
            if let Some(doc) = &newest {
                let mut conn = db.connection().await?;
                let ids = store::documents::files(&mut conn, owner_id, &doc.id)
                    .await?
                    .into_iter()
                    .filter(|f| f.current)
                    .map(|f| f.id)
                    .collect();
                files.insert(kind.to_owned(), ids);
            }
            documents.insert(kind.to_owned(), newest);
        }
        Ok(Self {
            profile,
            documents,
            files,
        })
    }

    /// The prefilled answers of a form and their names.
    pub fn answers(&self, form: &Form) -> (Answers, Vec<String>) {
        let mut answers = Answers::new();
        let mut names = Vec::new();
        for field in every_field(form) {
            // A group's inner fields are not prefilled: which row would they fill?
            let Some(source) = field.prefill.as_deref() else {
                continue;
            };
            if let Some(value) = self.value(source, &field.kind).filter(|v| !v.is_empty()) {
                // In the form's own normal form (a SNILS with its dashes); a value the form
                // would refuse is kept as it is, for the citizen to see and correct.
                let value = normal_form(&field.kind, &value).unwrap_or(value);
                answers.insert(field.name.clone(), value);
                names.push(field.name.clone());
            }
        }
        (answers, names)
    }

    fn value(&self, source: &str, kind: &Kind) -> Option<String> {
        let parts: Vec<&str> = source.split('.').collect();
        match parts.as_slice() {
            ["profile", field] => self.profile_value(field),
            ["document", kind_code, "files"] => {
                let ids = self.files.get(*kind_code)?;
                let max = match kind {
                    Kind::Files { max } => *max,
                    _ => 0,
                };
                (!ids.is_empty())
                    .then(|| ids.iter().take(max).cloned().collect::<Vec<_>>().join(","))
            }
            ["document", kind_code, field] => {
                let doc = self.documents.get(*kind_code)?.as_ref()?;
                document_value(doc, field)
            }
            _ => None,
        }
    }

    fn profile_value(&self, field: &str) -> Option<String> {
        let p = self.profile.as_ref()?;
        let text = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        match field {
            "surname" => Some(p.surname.clone()),
            "given_name" => Some(p.given_name.clone()),
            "patronymic" => text(&p.patronymic),
            "birth_date" => text(&p.birth_date),
            "sex" => text(&p.sex),
            "place_of_birth" => text(&p.place_of_birth),
            "snils" => text(&p.snils),
            "inn" => text(&p.inn),
            "phone" => text(&p.phone),
            "email" => text(&p.email),
            "passport" => p.passport.as_ref().map(|v| {
                format!(
                    "{} {}",
                    v["series"].as_str().unwrap_or_default(),
                    v["number"].as_str().unwrap_or_default()
                )
            }),
            "registration_address" => p.registration_address.as_ref().map(address),
            "actual_address" => p
                .actual_address
                .as_ref()
                .or(p.registration_address.as_ref())
                .map(address),
            _ => None,
        }
        .map(|v| v.trim().to_owned())
    }
}

/// «123456, Московская обл., г. Химки, ул. Ленина, д. 5, кв. 12» from the profile's parts.
fn address(v: &serde_json::Value) -> String {
    ["postcode", "region", "city", "street", "house", "flat"]
        .iter()
        .filter_map(|k| v[*k].as_str())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn document_value(doc: &DocumentRow, field: &str) -> Option<String> {
    let d = &doc.data;
    match field {
        "number" => d.number.clone(),
        "issued_on" => d.issued_on.clone(),
        "issuer" => d.issuer.clone(),
        own => {
            let fields: serde_json::Value = serde_json::from_str(&d.fields).ok()?;
            match &fields[own] {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        }
    }
}

/// The fields of a form's steps (not of groups' rows).
fn every_field(form: &Form) -> impl Iterator<Item = &Field> {
    form.steps.iter().flat_map(|s| s.fields.iter())
}
