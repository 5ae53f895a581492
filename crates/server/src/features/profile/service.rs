//! Saving the profile: every field validated, the identity level recomputed, key changes noted,
//! the change audited — one transaction.
//!
//! Identity levels (seed 001): `simplified` at registration; `standard` once the passport and
//! SNILS are entered and pass their checks; `confirmed` only by a verifier (later issue). A change
//! of name, date of birth or passport drops `confirmed` back to `standard`.

use domain::passport::{DivisionCode, PassportNumber, PassportSeries};
use domain::{Inn, PersonName, Snils};
use serde::{Deserialize, Serialize};
use store::StoreError;
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::users::{self, Profile, ProfileChange, UserSummary};
use utoipa::ToSchema;

use crate::features::accounts::recovery::{SNILS_CHECK, SNILS_FORMAT, past_date_field};
use crate::features::accounts::texts::NAME_FORMAT;
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::forms::FieldIssue;
use crate::web::i18n::Msg;

/// The profile as a form or a JSON body carries it: text fields, empty meaning "none".
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileFields {
    pub surname: String,
    pub given_name: String,
    pub patronymic: String,
    /// `ДД.ММ.ГГГГ` or `YYYY-MM-DD`
    pub birth_date: String,
    /// `male`, `female` or empty
    pub sex: String,
    pub place_of_birth: String,
    pub snils: String,
    pub inn: String,
    pub passport_series: String,
    pub passport_number: String,
    pub passport_issued_on: String,
    pub passport_issuer: String,
    pub passport_division_code: String,
    pub reg_region: String,
    pub reg_city: String,
    pub reg_street: String,
    pub reg_house: String,
    pub reg_flat: String,
    pub reg_postcode: String,
    /// The actual address is the registration address.
    pub actual_same: bool,
    pub act_region: String,
    pub act_city: String,
    pub act_street: String,
    pub act_house: String,
    pub act_flat: String,
    pub act_postcode: String,
}

fn text(v: &Option<serde_json::Value>, key: &str) -> String {
    v.as_ref()
        .and_then(|v| v.get(key))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

impl ProfileFields {
    /// The stored profile as form fields (to edit, or to patch from the API).
    pub fn from_profile(p: &Profile) -> Self {
        let reg = &p.registration_address;
        let act = &p.actual_address;
        Self {
            surname: p.surname.clone(),
            given_name: p.given_name.clone(),
            patronymic: p.patronymic.clone().unwrap_or_default(),
            birth_date: p
                .birth_date
                .as_deref()
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
                .map(|d| d.strftime("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            sex: p.sex.clone().unwrap_or_default(),
            place_of_birth: p.place_of_birth.clone().unwrap_or_default(),
            snils: p
                .snils
                .as_deref()
                .and_then(|s| Snils::parse(s).ok())
                .map(|s| s.formatted())
                .unwrap_or_default(),
            inn: p.inn.clone().unwrap_or_default(),
            passport_series: text(&p.passport, "series"),
            passport_number: text(&p.passport, "number"),
            passport_issued_on: text(&p.passport, "issued_on")
                .parse::<jiff::civil::Date>()
                .map(|d| d.strftime("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            passport_issuer: text(&p.passport, "issuer"),
            passport_division_code: text(&p.passport, "division_code"),
            reg_region: text(reg, "region"),
            reg_city: text(reg, "city"),
            reg_street: text(reg, "street"),
            reg_house: text(reg, "house"),
            reg_flat: text(reg, "flat"),
            reg_postcode: text(reg, "postcode"),
            actual_same: act.is_none() && reg.is_some() || (act.is_some() && act == reg),
            act_region: text(act, "region"),
            act_city: text(act, "city"),
            act_street: text(act, "street"),
            act_house: text(act, "house"),
            act_flat: text(act, "flat"),
            act_postcode: text(act, "postcode"),
        }
    }
}

const SEX_FORMAT: Msg = Msg::new("Выберите пол", "Choose the sex");
const TOO_LONG: Msg = Msg::new(
    "Слишком длинно: не более 200 символов",
    "Too long: at most 200 characters",
);
const INN_FORMAT: Msg = Msg::new(
    "ИНН физического лица — 12 цифр",
    "A personal INN is 12 digits",
);
const INN_CHECK: Msg = Msg::new(
    "Контрольные цифры ИНН не сходятся: проверьте номер",
    "The INN check digits do not match: check the number",
);
const SERIES_FORMAT: Msg = Msg::new(
    "Серия паспорта — 4 цифры",
    "The passport series is 4 digits",
);
const NUMBER_FORMAT: Msg = Msg::new("Номер паспорта — 6 цифр", "The passport number is 6 digits");
const DIVISION_FORMAT: Msg = Msg::new(
    "Код подразделения — 6 цифр, например 770-001",
    "The division code is 6 digits, for example 770-001",
);
const PASSPORT_INCOMPLETE: Msg = Msg::new(
    "Заполните все сведения о паспорте или оставьте их пустыми",
    "Fill in all passport details or leave them all empty",
);
const ISSUED_BEFORE_14: Msg = Msg::new(
    "Паспорт выдаётся с 14 лет: проверьте дату выдачи и дату рождения",
    "A passport is issued from the age of 14: check the issue and birth dates",
);
const POSTCODE_FORMAT: Msg = Msg::new("Индекс — 6 цифр", "The postcode is 6 digits");
const ADDRESS_INCOMPLETE: Msg = Msg::new(
    "Укажите регион, населённый пункт, улицу и дом — или оставьте адрес пустым",
    "Give the region, town, street and house — or leave the address empty",
);
pub const SNILS_TAKEN: Msg = Msg::new(
    "Этот СНИЛС уже указан в другой учётной записи. Если это ваш СНИЛС, обратитесь в МФЦ",
    "This SNILS is in another account already. If it is yours, contact a service centre",
);

fn optional_text(field: &'static str, value: &str, issues: &mut Vec<FieldIssue>) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > 200 {
        issues.push(FieldIssue::new(field, "too_long", TOO_LONG));
        return None;
    }
    (!value.is_empty()).then(|| value.to_owned())
}

fn address(
    f: [&str; 6],
    fields: [&'static str; 6],
    issues: &mut Vec<FieldIssue>,
) -> Option<serde_json::Value> {
    let [region, city, street, house, flat, postcode] = f.map(str::trim);
    if [region, city, street, house, flat, postcode]
        .iter()
        .all(|v| v.is_empty())
    {
        return None;
    }
    let before = issues.len();
    for (value, field) in [region, city, street, house].iter().zip(fields) {
        if value.is_empty() {
            issues.push(FieldIssue::new(field, "required", ADDRESS_INCOMPLETE));
        } else if value.chars().count() > 200 {
            issues.push(FieldIssue::new(field, "too_long", TOO_LONG));
        }
    }
    let postcode_ok = postcode.is_empty()
        || (postcode.len() == 6 && postcode.chars().all(|c| c.is_ascii_digit()));
    if !postcode_ok {
        issues.push(FieldIssue::new(fields[5], "format", POSTCODE_FORMAT));
    }
    (issues.len() == before).then(|| {
        serde_json::json!({
            "region": region, "city": city, "street": street, "house": house,
            "flat": flat, "postcode": postcode,
        })
    })
}

/// Validates the fields into a change of the stored profile.
pub fn validate(
    fields: &ProfileFields,
    current: &Profile,
    today: jiff::civil::Date,
) -> Result<ProfileChange, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let name = |field: &'static str, value: &str, required: bool, issues: &mut Vec<FieldIssue>| {
        if value.trim().is_empty() {
            if required {
                issues.push(FieldIssue::required(field));
            }
            return None;
        }
        PersonName::parse(value)
            .map(|n| n.as_str().to_owned())
            .map_err(|_| issues.push(FieldIssue::new(field, "format", NAME_FORMAT)))
            .ok()
    };
    let surname = name("surname", &fields.surname, true, &mut issues);
    let given_name = name("given_name", &fields.given_name, true, &mut issues);
    let patronymic = name("patronymic", &fields.patronymic, false, &mut issues);

    let birth_date = if fields.birth_date.trim().is_empty() {
        None
    } else {
        past_date_field("birth_date", &fields.birth_date, today, &mut issues)
    };
    let sex = match fields.sex.as_str() {
        "" => None,
        "male" | "female" => Some(fields.sex.clone()),
        _ => {
            issues.push(FieldIssue::new("sex", "format", SEX_FORMAT));
            None
        }
    };
    let place_of_birth = optional_text("place_of_birth", &fields.place_of_birth, &mut issues);

    let snils = if fields.snils.trim().is_empty() {
        None
    } else {
        match Snils::parse(&fields.snils) {
            Ok(s) => Some(s.digits().to_owned()),
            Err(domain::snils::SnilsError::CheckDigit) => {
                issues.push(FieldIssue::new("snils", "check_digit", SNILS_CHECK));
                None
            }
            Err(_) => {
                issues.push(FieldIssue::new("snils", "format", SNILS_FORMAT));
                None
            }
        }
    };
    let inn = if fields.inn.trim().is_empty() {
        None
    } else {
        match Inn::parse(&fields.inn) {
            Ok(i) if i.is_individual() => Some(i.as_str().to_owned()),
            Ok(_) => {
                issues.push(FieldIssue::new("inn", "format", INN_FORMAT));
                None
            }
            Err(domain::inn::InnError::CheckDigit) => {
                issues.push(FieldIssue::new("inn", "check_digit", INN_CHECK));
                None
            }
            Err(_) => {
                issues.push(FieldIssue::new("inn", "format", INN_FORMAT));
                None
            }
        }
    };

    let passport_parts = [
        &fields.passport_series,
        &fields.passport_number,
        &fields.passport_issued_on,
        &fields.passport_issuer,
        &fields.passport_division_code,
    ];
    let passport = if passport_parts.iter().all(|p| p.trim().is_empty()) {
        None
    } else {
        let before = issues.len();
        let series = PassportSeries::parse(&fields.passport_series)
            .map_err(|_| issues.push(FieldIssue::new("passport_series", "format", SERIES_FORMAT)))
            .ok();
        let number = PassportNumber::parse(&fields.passport_number)
            .map_err(|_| issues.push(FieldIssue::new("passport_number", "format", NUMBER_FORMAT)))
            .ok();
        let issued_on = past_date_field(
            "passport_issued_on",
            &fields.passport_issued_on,
            today,
            &mut issues,
        );
        if fields.passport_issuer.trim().is_empty() {
            issues.push(FieldIssue::new(
                "passport_issuer",
                "required",
                PASSPORT_INCOMPLETE,
            ));
        }
        let issuer = optional_text("passport_issuer", &fields.passport_issuer, &mut issues);
        let division = DivisionCode::parse(&fields.passport_division_code)
            .map_err(|_| {
                issues.push(FieldIssue::new(
                    "passport_division_code",
                    "format",
                    DIVISION_FORMAT,
                ))
            })
            .ok();
        if let (Some(issued), Some(born)) = (issued_on, birth_date)
            && born
                .checked_add(jiff::Span::new().years(14))
                .is_ok_and(|fourteen| issued < fourteen)
        {
            issues.push(FieldIssue::new(
                "passport_issued_on",
                "before_14",
                ISSUED_BEFORE_14,
            ));
        }
        match (series, number, issued_on, issuer, division) {
            (Some(s), Some(n), Some(i), Some(by), Some(d)) if issues.len() == before => {
                Some(serde_json::json!({
                    "series": s.as_str(), "number": n.as_str(), "issued_on": i.to_string(),
                    "issuer": by, "division_code": d.as_str(),
                }))
            }
            _ => None,
        }
    };

    let registration_address = address(
        [
            &fields.reg_region,
            &fields.reg_city,
            &fields.reg_street,
            &fields.reg_house,
            &fields.reg_flat,
            &fields.reg_postcode,
        ]
        .map(String::as_str),
        [
            "reg_region",
            "reg_city",
            "reg_street",
            "reg_house",
            "reg_flat",
            "reg_postcode",
        ],
        &mut issues,
    );
    let actual_address = if fields.actual_same {
        registration_address.clone()
    } else {
        address(
            [
                &fields.act_region,
                &fields.act_city,
                &fields.act_street,
                &fields.act_house,
                &fields.act_flat,
                &fields.act_postcode,
            ]
            .map(String::as_str),
            [
                "act_region",
                "act_city",
                "act_street",
                "act_house",
                "act_flat",
                "act_postcode",
            ],
            &mut issues,
        )
    };

    let (Some(surname), Some(given_name)) = (surname, given_name) else {
        return Err(issues);
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    let birth_date = birth_date.map(|d| d.to_string());
    let key_data_changed = surname != current.surname
        || given_name != current.given_name
        || patronymic != current.patronymic
        || birth_date != current.birth_date
        || passport != current.passport;
    let refilled = |old: &Option<String>, new: &Option<String>| old.is_some() && old != new;
    let holder_data_changed = surname != current.surname
        || given_name != current.given_name
        || refilled(&current.patronymic, &patronymic)
        || refilled(&current.birth_date, &birth_date);
    let identity_level = next_level(
        &current.identity_level,
        passport.is_some() && snils.is_some(),
        key_data_changed,
    );
    Ok(ProfileChange {
        surname,
        given_name,
        patronymic,
        birth_date,
        sex,
        place_of_birth,
        snils,
        inn,
        passport,
        registration_address,
        actual_address,
        identity_level: identity_level.to_owned(),
        key_data_changed,
        holder_data_changed,
    })
}

/// The identity level after a save.
pub fn next_level(
    current: &str,
    has_passport_and_snils: bool,
    key_data_changed: bool,
) -> &'static str {
    match current {
        "confirmed" if has_passport_and_snils && !key_data_changed => "confirmed",
        _ if has_passport_and_snils => "standard",
        _ => "simplified",
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("invalid input")]
    Invalid(Vec<FieldIssue>),
    #[error("no such user")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ProfileError {
    fn from(err: sqlx::Error) -> Self {
        ProfileError::Store(err.into())
    }
}

/// What changed with a save, for the page to explain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Saved {
    pub level_before: String,
    pub level_after: String,
    pub key_data_changed: bool,
}

pub async fn save(
    state: &AppState,
    user: &UserSummary,
    fields: &ProfileFields,
    meta: &RequestMeta,
) -> Result<Saved, ProfileError> {
    save_from(state, user, fields, meta, None).await
}

/// Saves the profile; `source` names the document the values were taken from (for the journal).
pub async fn save_from(
    state: &AppState,
    user: &UserSummary,
    fields: &ProfileFields,
    meta: &RequestMeta,
    source: Option<&str>,
) -> Result<Saved, ProfileError> {
    let now = state.now();
    let current = users::profile(&state.db, &user.id)
        .await?
        .ok_or(ProfileError::NotFound)?;
    let today = crate::local_time::today(now, &current.time_zone);
    let change = validate(fields, &current, today).map_err(ProfileError::Invalid)?;
    let mut tx = state.db.begin().await?;
    match users::save_profile(&mut tx, &user.id, &change, now).await {
        Ok(()) => {}
        Err(StoreError::UniqueViolation) => {
            return Err(ProfileError::Invalid(vec![FieldIssue::new(
                "snils",
                "taken",
                SNILS_TAKEN,
            )]));
        }
        Err(e) => return Err(e.into()),
    }
    let changed: Vec<&str> = changed_fields(&current, &change);
    let entry = Entry::new(Actor::of(user), Action::ProfileUpdated)
        .object("user", &user.id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
        .details({
            let mut details = serde_json::json!({
                "fields": changed,
                "identity_level": { "before": current.identity_level, "after": change.identity_level },
            });
            if let Some(id) = source {
                details["source_document"] = id.into();
            }
            details
        });
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Saved {
        level_before: current.identity_level,
        level_after: change.identity_level,
        key_data_changed: change.key_data_changed,
    })
}

/// Names (never values) of the fields a save changed, for the audit log.
fn changed_fields<'a>(before: &Profile, after: &ProfileChange) -> Vec<&'a str> {
    let mut out = Vec::new();
    let pairs: [(&'a str, bool); 11] = [
        ("surname", before.surname != after.surname),
        ("given_name", before.given_name != after.given_name),
        ("patronymic", before.patronymic != after.patronymic),
        ("birth_date", before.birth_date != after.birth_date),
        ("sex", before.sex != after.sex),
        (
            "place_of_birth",
            before.place_of_birth != after.place_of_birth,
        ),
        ("snils", before.snils != after.snils),
        ("inn", before.inn != after.inn),
        ("passport", before.passport != after.passport),
        (
            "registration_address",
            before.registration_address != after.registration_address,
        ),
        (
            "actual_address",
            before.actual_address != after.actual_address,
        ),
    ];
    for (name, changed) in pairs {
        if changed {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_seeds() {
        assert_eq!(next_level("simplified", false, false), "simplified");
        assert_eq!(next_level("simplified", true, true), "standard");
        assert_eq!(next_level("standard", false, true), "simplified");
        assert_eq!(next_level("confirmed", true, false), "confirmed");
        assert_eq!(
            next_level("confirmed", true, true),
            "standard",
            "key data changed"
        );
    }
}
