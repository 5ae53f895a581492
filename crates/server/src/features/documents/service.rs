//! My documents: validating a document against its kind, storing it with its files in one
//! transaction with its audit record, the trash, and the registry's computed view.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use store::audit::Action;

use bytes::Bytes;
use domain::documents::{
    Assessment, Autofill, Facts, FieldError, FieldRole, Schema, Validity, ValidityError, assess,
    parse_date,
};
use futures_util::{Stream, StreamExt};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use store::StoreError;
use store::audit::{self, Actor, Entry};
use store::documents::{self as repo, DocumentData, DocumentRow, FileRow};
use store::objects::{ObjectError, Stored};
use store::users::{Profile, UserSummary};
use utoipa::ToSchema;

use super::catalogue::{Catalogue, Kind};
use super::inspect::{self, Inspection, Inspector};
use super::reminders;
use crate::features::notifications::service::{Message, notify};
use crate::state::AppState;
use crate::web::context::RequestMeta;
use crate::web::i18n::{Lang, Text};

/// Days a deleted document can be restored.
pub const TRASH_DAYS: i64 = 30;
pub const MAX_TAGS: usize = 10;

/// A document as a form or a JSON body carries it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentInput {
    /// Code of the document kind (see `/api/v1/document-kinds`); only when creating.
    pub kind: String,
    /// Defaults to the kind's name.
    pub title: String,
    /// The document's series and number in the kind's format.
    pub number: String,
    pub issuer: String,
    /// `YYYY-MM-DD` or `ДД.ММ.ГГГГ`
    pub issued_on: String,
    /// For kinds without a computed term (and OSAGO short contracts).
    pub expires_on: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The kind's own fields by key (see the kind's `fields`).
    pub fields: BTreeMap<String, String>,
}

/// One problem with one field of the input.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The form field's name (kind fields by their key, `files` for uploads).
    pub field: &'static str,
    /// Whether the field is one of the kind's own (the API names those `fields.<key>`).
    pub kind_field: bool,
    pub code: &'static str,
    pub text: Text,
}

impl Problem {
    fn new(field: &'static str, code: &'static str, text: Text) -> Self {
        Self {
            field,
            kind_field: false,
            code,
            text,
        }
    }

    pub fn api_field(&self) -> String {
        if self.kind_field {
            format!("fields.{}", self.field)
        } else {
            self.field.to_owned()
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("invalid input")]
    Invalid(Vec<Problem>),
    #[error("not found")]
    NotFound,
    /// Someone changed the document since the form was opened.
    #[error("changed meanwhile")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

impl From<sqlx::Error> for DocumentError {
    fn from(e: sqlx::Error) -> Self {
        DocumentError::Store(e.into())
    }
}

fn field_text(err: FieldError, label_ru: &str, label_en: &str, example: Option<&str>) -> Text {
    let ex_ru = example
        .map(|e| format!(", например {e}"))
        .unwrap_or_default();
    let ex_en = example
        .map(|e| format!(", for example {e}"))
        .unwrap_or_default();
    match err {
        FieldError::Required => Text::new(
            format!("Заполните поле «{label_ru}»"),
            format!("Fill in “{label_en}”"),
        ),
        FieldError::NoSuchDate => Text::new(
            format!("{label_ru}: такой даты нет — проверьте день и месяц"),
            format!("{label_en}: there is no such date — check the day and the month"),
        ),
        FieldError::TooLong => Text::new(
            format!("Поле «{label_ru}» слишком длинное"),
            format!("“{label_en}” is too long"),
        ),
        FieldError::Date => Text::new(
            format!("{label_ru}: введите дату в виде ДД.ММ.ГГГГ"),
            format!("{label_en}: enter a date as DD.MM.YYYY"),
        ),
        FieldError::Format => Text::new(
            format!("{label_ru}: неверный формат{ex_ru}"),
            format!("{label_en}: wrong format{ex_en}"),
        ),
        FieldError::CheckDigit => Text::new(
            format!("{label_ru}: контрольное число не сходится — проверьте цифры"),
            format!("{label_en}: the check digits do not match; check the digits"),
        ),
        FieldError::Choice => Text::new(
            format!("{label_ru}: выберите один из вариантов"),
            format!("{label_en}: choose one of the options"),
        ),
    }
}

fn error_code(err: FieldError) -> &'static str {
    match err {
        FieldError::Required => "required",
        FieldError::TooLong => "too_long",
        FieldError::Date => "date",
        FieldError::NoSuchDate => "no_such_date",
        FieldError::Format => "format",
        FieldError::CheckDigit => "check_digit",
        FieldError::Choice => "choice",
    }
}

fn optional_text(value: &str, max: usize) -> Result<Option<String>, FieldError> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        Ok(None)
    } else if v.chars().count() > max {
        Err(FieldError::TooLong)
    } else {
        Ok(Some(v))
    }
}

/// Splits "работа, страховка" into tags; also used for the API's list.
pub fn parse_tags(values: &[String]) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for value in values {
        for tag in value.split(',') {
            let tag = tag
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if tag.is_empty() {
                continue;
            }
            if tag.chars().count() > 32 {
                return Err(FieldError::TooLong);
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(FieldError::TooLong);
    }
    Ok(tags)
}

fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().to_lowercase().replace('ё', "е");
    norm(a) == norm(b)
}

/// Today's date where the user lives.
pub fn today(state: &AppState, time_zone: &str) -> Date {
    crate::local_time::today(state.now(), time_zone)
}

/// What the profile offers to fill a kind's field with.
pub fn autofill(profile: &Profile, source: Autofill) -> Option<String> {
    match source {
        Autofill::Surname => Some(profile.surname.clone()),
        Autofill::GivenName => Some(profile.given_name.clone()),
        Autofill::Patronymic => profile.patronymic.clone(),
        Autofill::BirthDate => profile.birth_date.clone(),
        Autofill::Sex => profile.sex.clone(),
        Autofill::PlaceOfBirth => profile.place_of_birth.clone(),
        Autofill::Snils => profile.snils.clone(),
        Autofill::Inn => profile.inn.clone(),
        Autofill::RegistrationAddress => None,
    }
}

/// A new document's form, filled from the profile where the kind says so.
pub fn prefilled(kind: &Kind, profile: &Profile) -> DocumentInput {
    let mut input = DocumentInput {
        kind: kind.code.clone(),
        ..DocumentInput::default()
    };
    for spec in kind.fields() {
        if let Some(value) = spec.autofill.and_then(|a| autofill(profile, a)) {
            input.fields.insert(spec.key.to_owned(), value);
        }
    }
    if let Some(source) = kind.schema.number_autofill() {
        input.number = autofill(profile, source).unwrap_or_default();
    }
    if kind.schema == Schema::PassportRf
        && let Some(p) = &profile.passport
    {
        let get = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let (series, number) = (get("series"), get("number"));
        if !series.is_empty() && !number.is_empty() {
            input.number = format!("{series} {number}");
        }
        input.issued_on = get("issued_on");
        input.issuer = get("issuer");
        let code = get("division_code");
        if !code.is_empty() {
            input.fields.insert("division_code".into(), code);
        }
    }
    input
}

/// The checked content of a document and the validity its rule gives.
pub struct Checked {
    pub data: DocumentData,
    pub validity: Validity,
}

/// Checks every field against the kind; all problems are reported at once.
pub fn check(
    kind: &Kind,
    input: &DocumentInput,
    profile: &Profile,
    today: Date,
) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut common = |field: &'static str,
                      ru: &str,
                      en: &str,
                      result: Result<Option<String>, FieldError>,
                      example: Option<&str>|
     -> Option<String> {
        match result {
            Ok(v) => v,
            Err(e) => {
                problems.push(Problem::new(
                    field,
                    error_code(e),
                    field_text(e, ru, en, example),
                ));
                None
            }
        }
    };
    let title = common(
        "title",
        "Название",
        "Title",
        optional_text(&input.title, 200),
        None,
    )
    .unwrap_or_else(|| kind.name_ru.clone());
    let number_format = kind.schema.number_format();
    let number_result = if input.number.trim().is_empty() {
        if kind.schema.number_required() {
            Err(FieldError::Required)
        } else {
            Ok(None)
        }
    } else {
        match number_format {
            Some(f) => f.normalise(&input.number, &[]).map(Some),
            None => optional_text(&input.number, 64),
        }
    };
    let number = common(
        "number",
        "Серия и номер",
        "Series and number",
        number_result,
        number_format.and_then(|f| f.example()),
    );
    let issuer = common(
        "issuer",
        "Кем выдан",
        "Issued by",
        optional_text(&input.issuer, 200),
        None,
    );
    let description = common(
        "description",
        "Описание",
        "Description",
        optional_text(&input.description, 2000),
        None,
    );
    let date_of = |value: &str, required: bool| -> Result<Option<Date>, FieldError> {
        if value.trim().is_empty() {
            return if required {
                Err(FieldError::Required)
            } else {
                Ok(None)
            };
        }
        parse_date(value).map(Some)
    };
    let issued_on = match date_of(&input.issued_on, kind.needs_issue_date()) {
        Ok(Some(d)) if d > today => {
            problems.push(Problem::new(
                "issued_on",
                "future",
                Text::new(
                    "Дата выдачи не может быть в будущем",
                    "The issue date cannot be in the future",
                ),
            ));
            None
        }
        Ok(Some(d)) if d.year() < 1900 => {
            problems.push(Problem::new(
                "issued_on",
                "date",
                Text::new(
                    "Проверьте год в дате выдачи",
                    "Check the year of the issue date",
                ),
            ));
            None
        }
        Ok(d) => d,
        Err(e) => {
            problems.push(Problem::new(
                "issued_on",
                error_code(e),
                field_text(e, "Дата выдачи", "Date of issue", None),
            ));
            None
        }
    };
    let typed_expiry = if kind.takes_typed_expiry() {
        match date_of(&input.expires_on, false) {
            Ok(d) => d,
            Err(e) => {
                problems.push(Problem::new(
                    "expires_on",
                    error_code(e),
                    field_text(e, "Действителен до", "Valid until", None),
                ));
                None
            }
        }
    } else {
        None
    };
    let tags = match parse_tags(&input.tags) {
        Ok(t) => t,
        Err(_) => {
            problems.push(Problem::new(
                "tags",
                "too_long",
                Text::new(
                    format!("Не больше {MAX_TAGS} меток, каждая до 32 символов, через запятую"),
                    format!("At most {MAX_TAGS} tags of up to 32 characters, separated by commas"),
                ),
            ));
            Vec::new()
        }
    };

    let specs = kind.fields();
    let mut fields = serde_json::Map::new();
    let mut facts = Facts {
        issued_on,
        typed_expiry,
        ..Facts::default()
    };
    for spec in &specs {
        let raw = input.fields.get(spec.key).map(String::as_str).unwrap_or("");
        if raw.trim().is_empty() {
            if spec.required {
                problems.push(Problem {
                    kind_field: true,
                    ..Problem::new(
                        spec.key,
                        "required",
                        field_text(FieldError::Required, spec.label_ru, spec.label_en, None),
                    )
                });
            }
            continue;
        }
        match spec.ty.normalise(raw, &spec.option_values()) {
            Ok(value) => {
                match spec.role {
                    FieldRole::HolderBirthDate => facts.holder_born_on = parse_date(&value).ok(),
                    FieldRole::Variant => facts.variant = Some(value.clone()),
                    FieldRole::Plain => {}
                }
                fields.insert(spec.key.to_owned(), serde_json::Value::String(value));
            }
            Err(e) => problems.push(Problem {
                kind_field: true,
                ..Problem::new(
                    spec.key,
                    error_code(e),
                    field_text(e, spec.label_ru, spec.label_en, spec.ty.example()),
                )
            }),
        }
    }
    for key in input.fields.keys() {
        if !specs.iter().any(|s| s.key == key) {
            problems.push(Problem {
                kind_field: true,
                ..Problem::new(
                    "fields",
                    "unknown",
                    Text::new(
                        format!("У этого вида документа нет поля «{key}»"),
                        format!("This kind of document has no field “{key}”"),
                    ),
                )
            });
        }
    }
    if kind.schema.is_identity() {
        check_identity(profile, &fields, &mut problems);
    }
    let validity = match kind.rule.apply(&facts) {
        Ok(v) => Some(v),
        Err(e) => {
            // A missing date was already reported at its field.
            let already = |f: &str| problems.iter().any(|p| p.field == f);
            let (field, kind_field, code, text) = match e {
                ValidityError::IssueDateMissing => (
                    "issued_on",
                    false,
                    "required",
                    Text::new(
                        "Укажите дату выдачи: от неё считается срок действия",
                        "Enter the issue date: the term is counted from it",
                    ),
                ),
                ValidityError::BirthDateMissing => (
                    "birth_date",
                    true,
                    "required",
                    Text::new(
                        "Укажите дату рождения: от неё зависит срок действия паспорта",
                        "Enter the date of birth: the passport's term depends on it",
                    ),
                ),
                ValidityError::IssuedTooYoung => (
                    "issued_on",
                    false,
                    "too_young",
                    Text::new(
                        "Паспорт выдаётся с 14 лет: проверьте дату выдачи и дату рождения",
                        "The passport is issued from the age of 14: check the issue date and the date of birth",
                    ),
                ),
                ValidityError::IssuedBeforeBirth => (
                    "issued_on",
                    false,
                    "before_birth",
                    Text::new(
                        "Дата выдачи раньше даты рождения",
                        "The issue date is before the date of birth",
                    ),
                ),
                ValidityError::ExpiryBeforeIssue => (
                    "expires_on",
                    false,
                    "before_issue",
                    Text::new(
                        "Срок действия не может закончиться раньше даты выдачи",
                        "The expiry cannot be before the issue date",
                    ),
                ),
                ValidityError::OutOfRange => (
                    "issued_on",
                    false,
                    "date",
                    Text::new("Проверьте даты", "Check the dates"),
                ),
            };
            if !already(field) {
                problems.push(Problem {
                    kind_field,
                    ..Problem::new(field, code, text)
                });
            }
            None
        }
    };
    match validity {
        Some(validity) if problems.is_empty() => Ok(Checked {
            data: DocumentData {
                kind_code: kind.code.clone(),
                title,
                number,
                issuer,
                issued_on: issued_on.map(|d| d.to_string()),
                typed_expiry: typed_expiry.map(|d| d.to_string()),
                description,
                fields: serde_json::Value::Object(fields).to_string(),
                tags,
                valid_until: validity.last_day().map(|d| d.to_string()),
            },
            validity,
        }),
        _ => Err(problems),
    }
}

/// An identity document must name the profile's holder.
fn check_identity(
    profile: &Profile,
    fields: &serde_json::Map<String, serde_json::Value>,
    problems: &mut Vec<Problem>,
) {
    let typed = |k: &str| fields.get(k).and_then(|v| v.as_str());
    let mut compare = |key: &'static str,
                       ru: &str,
                       en: &str,
                       expected: Option<&str>,
                       same: fn(&str, &str) -> bool| {
        if let (Some(typed), Some(expected)) = (typed(key), expected)
            && !same(typed, expected)
        {
            problems.push(Problem { kind_field: true, ..Problem::new(key, "profile_mismatch", Text::new(
                format!("{ru} не совпадает с профилем («{expected}»). Если данные изменились, сначала исправьте профиль"),
                format!("{en} does not match the profile (“{expected}”). If your data changed, correct the profile first"),
            )) });
        }
    };
    compare(
        "surname",
        "Фамилия",
        "The surname",
        Some(&profile.surname),
        same_name,
    );
    compare(
        "given_name",
        "Имя",
        "The given name",
        Some(&profile.given_name),
        same_name,
    );
    compare(
        "patronymic",
        "Отчество",
        "The patronymic",
        profile.patronymic.as_deref(),
        same_name,
    );
    compare(
        "birth_date",
        "Дата рождения",
        "The date of birth",
        profile.birth_date.as_deref(),
        |a, b| a == b,
    );
}

// ---------------------------------------------------------------------------------------------
// Files

/// A file that passed the checks and is stored (encrypted), not yet recorded.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub name: String,
    pub stored: Stored,
    pub inspection: Inspection,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("refused: {0:?}")]
    Refused(inspect::Problem, String),
    #[error("the upload was interrupted")]
    Interrupted,
    #[error(transparent)]
    Objects(#[from] ObjectError),
}

impl UploadError {
    pub fn problem(&self) -> Problem {
        match self {
            UploadError::Refused(p, name) => Problem::new("files", p.code(), p.text(name)),
            UploadError::Interrupted => Problem::new(
                "files",
                "interrupted",
                Text::new(
                    "Загрузка файла прервалась. Попробуйте ещё раз",
                    "The upload was interrupted. Try again",
                ),
            ),
            UploadError::Objects(_) => Problem::new(
                "files",
                "storage",
                Text::new(
                    "Файл не удалось сохранить. Попробуйте позже",
                    "The file could not be saved. Try again later",
                ),
            ),
        }
    }
}

/// A file name safe to show and to put in a download header: no path, no control characters.
pub fn clean_name(raw: &str, inspection: &Inspection) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("file.{}", inspection.file_type.extension())
    } else {
        cleaned
    }
}

/// Streams one file through the checks into the encrypted store. On any refusal or failure the
/// partial object is removed before returning.
pub async fn receive<S, E>(
    state: &AppState,
    kind: &Kind,
    name: &str,
    mut body: S,
) -> Result<Incoming, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let key = format!("files/{}", store::new_id());
    let mut upload = state.vault.create(&key).await?;
    let mut inspector = Inspector::new(kind.max_file_bytes);
    let outcome: Result<Inspection, UploadError> = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| UploadError::Interrupted)?;
            inspector
                .feed(&chunk)
                .map_err(|p| UploadError::Refused(p, name.to_owned()))?;
            upload.write(&chunk).await?;
        }
        inspector
            .finish()
            .map_err(|p| UploadError::Refused(p, name.to_owned()))
    }
    .await;
    match outcome {
        Ok(inspection) => {
            let stored = upload.finish().await?;
            Ok(Incoming {
                name: clean_name(name, &inspection),
                stored,
                inspection,
            })
        }
        Err(e) => {
            upload.abort().await;
            Err(e)
        }
    }
}

/// Removes stored objects that will not be recorded (a form with errors, a failed transaction).
pub async fn discard(state: &AppState, files: &[Incoming]) {
    for f in files {
        if let Err(e) = state.vault.delete(&f.stored.object_key).await {
            tracing::warn!(error = %e, object = %f.stored.object_key, "could not remove an unrecorded object");
        }
    }
}

fn file_row(
    document_id: &str,
    f: &Incoming,
    lineage: Option<(&str, i64)>,
    now: Timestamp,
) -> FileRow {
    let id = store::new_id();
    let (lineage, version) = match lineage {
        Some((l, v)) => (l.to_owned(), v),
        None => (id.clone(), 1),
    };
    FileRow {
        id,
        document_id: document_id.to_owned(),
        lineage,
        version,
        current: true,
        name: f.name.clone(),
        content_type: f.inspection.file_type.mime().to_owned(),
        size: i64::try_from(f.stored.size).unwrap_or(i64::MAX),
        sha256: f.stored.sha256.clone(),
        object_key: f.stored.object_key.clone(),
        wrapped_key: f.stored.wrapped_key.clone(),
        width: f.inspection.width.map(i64::from),
        height: f.inspection.height.map(i64::from),
        pages: None,
        created_at: now,
    }
}

fn entry(user: &UserSummary, action: Action, document_id: &str, meta: &RequestMeta) -> Entry {
    Entry::new(Actor::of(user), action)
        .object("document", document_id)
        .subject(&user.id)
        .from_request(meta.ip.clone(), None)
}

// ---------------------------------------------------------------------------------------------
// Changes

pub async fn load_profile(state: &AppState, user_id: &str) -> Result<Profile, DocumentError> {
    store::users::profile(&state.db, user_id)
        .await?
        .ok_or(DocumentError::NotFound)
}

/// Records a new document with its already stored files. The files' objects are removed if the
/// input is refused or the transaction fails, so nothing is left behind.
pub async fn create(
    state: &AppState,
    user: &UserSummary,
    input: &DocumentInput,
    files: Vec<Incoming>,
    meta: &RequestMeta,
) -> Result<String, DocumentError> {
    let result = create_rows(state, user, input, &files, meta).await;
    if result.is_err() {
        discard(state, &files).await;
    }
    result
}

async fn create_rows(
    state: &AppState,
    user: &UserSummary,
    input: &DocumentInput,
    files: &[Incoming],
    meta: &RequestMeta,
) -> Result<String, DocumentError> {
    let catalogue = Catalogue::load(&state.db).await?;
    let Some(kind) = catalogue.get(&input.kind).filter(|k| k.active) else {
        return Err(DocumentError::Invalid(vec![Problem::new(
            "kind",
            "unknown",
            Text::new(
                "Выберите вид документа из списка",
                "Choose a kind of document from the list",
            ),
        )]));
    };
    let profile = load_profile(state, &user.id).await?;
    let checked = check(kind, input, &profile, today(state, &profile.time_zone))
        .map_err(DocumentError::Invalid)?;
    let now = state.now();
    let id = store::new_id();
    let mut tx = state.db.begin().await?;
    repo::insert(
        &mut tx,
        state.db.dialect(),
        &id,
        &user.id,
        &checked.data,
        now,
    )
    .await?;
    for f in files {
        repo::insert_file(&mut tx, &user.id, &file_row(&id, f, None, now)).await?;
    }
    let e = entry(user, Action::DocumentCreated, &id, meta)
        .details(serde_json::json!({ "kind": kind.code, "files": files.len() }));
    audit::append(&mut tx, &e, now).await?;
    reminders::replan(&mut tx, state, &profile, &id).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(state: &AppState, owner_id: &str, id: &str) -> Result<DocumentRow, DocumentError> {
    let mut conn = state.db.connection().await?;
    repo::get(&mut conn, owner_id, id)
        .await?
        .ok_or(DocumentError::NotFound)
}

/// The document's content as its edit form shows it.
pub fn input_of(doc: &DocumentRow) -> DocumentInput {
    let fields: BTreeMap<String, String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&doc.data.fields)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
            .collect();
    DocumentInput {
        kind: doc.data.kind_code.clone(),
        title: doc.data.title.clone(),
        number: doc.data.number.clone().unwrap_or_default(),
        issuer: doc.data.issuer.clone().unwrap_or_default(),
        issued_on: doc.data.issued_on.clone().unwrap_or_default(),
        expires_on: doc.data.typed_expiry.clone().unwrap_or_default(),
        description: doc.data.description.clone().unwrap_or_default(),
        tags: vec![doc.data.tags.join(", ")],
        fields,
    }
}

/// Saves new content (the kind stays). `revision` guards against overwriting someone else's
/// change made meanwhile (another tab, another device).
pub async fn update(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    input: &DocumentInput,
    revision: Option<i64>,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let doc = get(state, &user.id, id).await?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let catalogue = Catalogue::load(&state.db).await?;
    let kind = catalogue
        .get(&doc.data.kind_code)
        .ok_or(DocumentError::NotFound)?;
    let profile = load_profile(state, &user.id).await?;
    let checked = check(kind, input, &profile, today(state, &profile.time_zone))
        .map_err(DocumentError::Invalid)?;
    let changed = changed_fields(&doc.data, &checked.data);
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::update(
        &mut tx,
        state.db.dialect(),
        &user.id,
        id,
        revision,
        &checked.data,
        now,
    )
    .await?
    {
        return Err(DocumentError::Conflict);
    }
    let e = entry(user, Action::DocumentChanged, id, meta)
        .details(serde_json::json!({ "fields": changed }));
    audit::append(&mut tx, &e, now).await?;
    reminders::replan(&mut tx, state, &profile, id).await?;
    tx.commit().await?;
    Ok(())
}

fn changed_fields(a: &DocumentData, b: &DocumentData) -> Vec<&'static str> {
    let mut out = Vec::new();
    let pairs: [(&'static str, bool); 9] = [
        ("title", a.title != b.title),
        ("number", a.number != b.number),
        ("issuer", a.issuer != b.issuer),
        ("issued_on", a.issued_on != b.issued_on),
        ("expires_on", a.typed_expiry != b.typed_expiry),
        ("description", a.description != b.description),
        ("tags", a.tags != b.tags),
        ("fields", a.fields != b.fields),
        ("valid_until", a.valid_until != b.valid_until),
    ];
    for (name, differs) in pairs {
        if differs {
            out.push(name);
        }
    }
    out
}

/// Adds files to a document, or (with `replaces`) a new version of one of its files.
pub async fn attach(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    files: Vec<Incoming>,
    replaces: Option<&str>,
    meta: &RequestMeta,
) -> Result<Vec<String>, DocumentError> {
    let result = attach_rows(state, user, id, &files, replaces, meta).await;
    if result.is_err() {
        discard(state, &files).await;
    }
    result
}

async fn attach_rows(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    files: &[Incoming],
    replaces: Option<&str>,
    meta: &RequestMeta,
) -> Result<Vec<String>, DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let doc = repo::get(&mut tx, &user.id, id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let existing = repo::files(&mut tx, &user.id, id).await?;
    let lineage = match replaces {
        None => None,
        Some(file_id) => {
            let old = existing
                .iter()
                .find(|f| f.id == file_id)
                .ok_or(DocumentError::NotFound)?;
            let next = existing
                .iter()
                .filter(|f| f.lineage == old.lineage)
                .map(|f| f.version)
                .max()
                .unwrap_or(0)
                + 1;
            Some((old.lineage.clone(), next))
        }
    };
    let mut ids = Vec::new();
    for f in files {
        let row = file_row(id, f, lineage.as_ref().map(|(l, v)| (l.as_str(), *v)), now);
        repo::insert_file(&mut tx, &user.id, &row).await?;
        let action = if replaces.is_some() {
            Action::DocumentFileReplaced
        } else {
            Action::DocumentFileAdded
        };
        let e = entry(user, action, id, meta)
            .details(serde_json::json!({ "file": row.id, "version": row.version }));
        audit::append(&mut tx, &e, now).await?;
        ids.push(row.id);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Moves a document to the trash, from where it can be restored for [`TRASH_DAYS`] days.
pub async fn trash(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(
        &mut tx,
        &user.id,
        id,
        &["active", "archived"],
        "trashed",
        None,
        now,
    )
    .await?
    {
        return Err(DocumentError::NotFound);
    }
    audit::append(
        &mut tx,
        &entry(user, Action::DocumentDeleted, id, meta),
        now,
    )
    .await?;
    store::notifications::replan(&mut tx, &user.id, id, None, &[], &[]).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn restore(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(&mut tx, &user.id, id, &["trashed"], "active", None, now).await? {
        return Err(DocumentError::NotFound);
    }
    audit::append(
        &mut tx,
        &entry(user, Action::DocumentRestored, id, meta),
        now,
    )
    .await?;
    let profile = load_profile(state, &user.id).await?;
    reminders::replan(&mut tx, state, &profile, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a document to the archive by the user's choice (e.g. after adding its replacement).
pub async fn archive(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    reason: &str,
    meta: &RequestMeta,
) -> Result<(), DocumentError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !repo::set_state(
        &mut tx,
        &user.id,
        id,
        &["active"],
        "archived",
        Some(reason),
        now,
    )
    .await?
    {
        return Err(DocumentError::NotFound);
    }
    let e = entry(user, Action::DocumentArchived, id, meta)
        .details(serde_json::json!({ "reason": reason }));
    audit::append(&mut tx, &e, now).await?;
    store::notifications::replan(&mut tx, &user.id, id, None, &[], &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a file (any version) to download or to show on a page, and records that it was.
pub async fn open_file(
    state: &AppState,
    user: &UserSummary,
    id: &str,
    file_id: &str,
    shown: bool,
    meta: &RequestMeta,
) -> Result<(FileRow, store::objects::PlainStream), DocumentError> {
    let doc = get(state, &user.id, id).await?;
    if doc.state == "trashed" {
        return Err(DocumentError::NotFound);
    }
    let file = repo::file(&state.db, &user.id, id, file_id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let stream = state
        .vault
        .read(&file.object_key, &file.wrapped_key, &file.sha256)
        .await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let action = if shown {
        Action::DocumentViewed
    } else {
        Action::DocumentDownloaded
    };
    let e = entry(user, action, id, meta)
        .details(serde_json::json!({ "file": file.id, "version": file.version }));
    audit::append(&mut tx, &e, now).await?;
    tx.commit().await?;
    Ok((file, stream))
}

// ---------------------------------------------------------------------------------------------
// The registry

/// One document with its computed status.
#[derive(Clone)]
pub struct Assessed {
    pub doc: DocumentRow,
    pub kind: Option<Kind>,
    pub validity: Option<Validity>,
    pub assessment: Assessment,
}

/// The date the profile's key data last changed, in the user's zone.
pub fn key_change_date(profile: &Profile) -> Option<Date> {
    let zone = crate::local_time::zone(&profile.time_zone);
    profile
        .key_data_changed_at
        .map(|t| t.to_zoned_datetime(zone.clone()).date())
}

impl Assessed {
    /// The title to show in `lang`: a title left empty was stored as the kind's Russian name, so
    /// on English pages that default reads as the kind's English name.
    pub fn shown_title(&self, lang: Lang) -> String {
        let title = &self.doc.data.title;
        match &self.kind {
            Some(kind) if lang == Lang::En && *title == kind.name_ru => kind.name_en.clone(),
            _ => title.clone(),
        }
    }
}

/// Computes a document's status from its kind's current rule (an operator may have changed it).
/// `key_changed_on` is when the holder's name or date of birth last changed ([`key_change_date`]).
pub fn assess_one(
    doc: DocumentRow,
    catalogue: &Catalogue,
    key_changed_on: Option<Date>,
    today: Date,
) -> Assessed {
    let kind = catalogue.get(&doc.data.kind_code).cloned();
    let fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&doc.data.fields).unwrap_or_default();
    let date = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<Date>().ok());
    let issued_on = date(&doc.data.issued_on);
    let validity = kind.as_ref().and_then(|kind| {
        let mut facts = Facts {
            issued_on,
            typed_expiry: date(&doc.data.typed_expiry),
            ..Facts::default()
        };
        for spec in kind.fields() {
            let value = fields.get(spec.key).and_then(|v| v.as_str());
            match spec.role {
                FieldRole::HolderBirthDate => {
                    facts.holder_born_on = value.and_then(|s| s.parse().ok())
                }
                FieldRole::Variant => facts.variant = value.map(str::to_owned),
                FieldRole::Plain => {}
            }
        }
        kind.rule.apply(&facts).ok()
    });
    let changed_after_issue = kind.as_ref().is_some_and(|k| k.schema.is_identity())
        && matches!((key_changed_on, issued_on), (Some(changed), Some(issued)) if changed > issued);
    let lead = kind.as_ref().map_or(90, |k| k.lead_days);
    let fallback = Validity {
        valid_until: None,
        replace_from: None,
        extended_until: None,
        domestic_only: false,
    };
    let assessment = assess(
        validity.as_ref().unwrap_or(&fallback),
        today,
        lead,
        changed_after_issue,
    );
    Assessed {
        doc,
        kind,
        validity,
        assessment,
    }
}

/// What computing statuses needs: the holder's profile, their today and the catalogue.
pub struct Assessor {
    pub profile: Profile,
    pub today: Date,
    pub catalogue: Arc<Catalogue>,
    /// Worked out once: finding a time zone is not free, and a registry assesses hundreds.
    pub key_changed_on: Option<Date>,
}

impl Assessor {
    pub async fn load(state: &AppState, user_id: &str) -> Result<Self, DocumentError> {
        let profile = load_profile(state, user_id).await?;
        Ok(Self {
            today: today(state, &profile.time_zone),
            catalogue: state.caches.catalogue(&state.db).await?.1,
            key_changed_on: key_change_date(&profile),
            profile,
        })
    }

    pub fn assess(&self, doc: DocumentRow) -> Assessed {
        assess_one(doc, &self.catalogue, self.key_changed_on, self.today)
    }
}

/// The user's documents that match `filter`, each with its status, and the date it is for.
pub async fn assessed(
    state: &AppState,
    user_id: &str,
    filter: &repo::Filter,
) -> Result<(Vec<Assessed>, Date), DocumentError> {
    let assessor = Assessor::load(state, user_id).await?;
    let docs = repo::list(&state.db, user_id, filter).await?;
    Ok((
        docs.into_iter().map(|d| assessor.assess(d)).collect(),
        assessor.today,
    ))
}

/// Most urgent first: by status, then the nearest deadline (none last), then the title.
pub fn by_urgency(a: &Assessed, b: &Assessed) -> std::cmp::Ordering {
    let key = |x: &Assessed| {
        (
            x.assessment.status,
            x.assessment.deadline.is_none(),
            x.assessment.deadline,
            x.doc.data.title.clone(),
        )
    };
    key(a).cmp(&key(b))
}

/// Every active document of the person with its status, most urgent first, and each one's first
/// file — from this node's cache while nothing it depends on changed (see [`super::cache`]).
pub async fn registry(
    state: &AppState,
    user: &UserSummary,
) -> Result<Arc<super::cache::Registry>, DocumentError> {
    let tz = crate::local_time::zone(&user.time_zone);
    let today = state.now().to_zoned_datetime(tz.clone()).date();
    let key_changed_on = user
        .key_data_changed_at
        .map(|t| t.to_zoned_datetime(tz.clone()).date());
    let (generation, catalogue) = state.caches.catalogue(&state.db).await?;
    let key = super::cache::RegistryKey {
        documents_version: user.documents_version,
        today,
        key_changed_on,
        catalogue: generation,
    };
    if let Some(kept) = state.caches.registry(&user.id, &key) {
        return Ok(kept);
    }
    let filter = repo::Filter {
        state: "active".into(),
        ..Default::default()
    };
    let mut assessed: Vec<Assessed> = repo::list(&state.db, &user.id, &filter)
        .await?
        .into_iter()
        .map(|d| assess_one(d, &catalogue, key_changed_on, today))
        .collect();
    assessed.sort_by(by_urgency);
    let mut first_files = HashMap::new();
    for (doc, file, name) in repo::first_files(&state.db, &user.id).await? {
        first_files.entry(doc).or_insert((file, name));
    }
    let tags = repo::tags(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|(tag, _)| tag)
        .collect();
    let registry = Arc::new(super::cache::Registry {
        key,
        assessed,
        today,
        first_files,
        tags,
    });
    state.caches.keep_registry(&user.id, key, registry.clone());
    Ok(registry)
}

// ---------------------------------------------------------------------------------------------
// Background work

pub const PURGE_JOB: &str = "documents.purge";
pub const ARCHIVE_JOB: &str = "documents.archive";
pub const ORPHANS_JOB: &str = "documents.orphans";

/// How long an object without a row is left alone: an upload is stored before its row commits.
pub const ORPHAN_GRACE: SignedDuration = SignedDuration::from_hours(24);

/// How old an unfinished upload's temporary part must be before it is removed: no upload takes
/// an hour (the request timeout is far shorter).
pub const STALE_PART_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes stored objects that no file row refers to and that are older than `grace`: left by a
/// crash between storing a file and committing its row, or by a purge whose deletion failed.
/// Ages are compared on the wall clock, the clock the store dates objects by.
pub async fn sweep_orphans(
    state: &AppState,
    grace: SignedDuration,
) -> Result<usize, DocumentError> {
    let recorded: std::collections::HashSet<String> = repo::all_object_keys(&state.db)
        .await?
        .into_iter()
        .collect();
    #[expect(
        clippy::disallowed_methods,
        reason = "object dates come from the store's wall clock, not the app's"
    )]
    let wall_now = Timestamp::now();
    let cutoff = wall_now.checked_sub(grace).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut removed = state.vault.remove_stale_parts(STALE_PART_AGE).await?;
    for (key, written) in state.vault.list_dated().await? {
        if written <= cutoff && !recorded.contains(&key) {
            state.vault.delete(&key).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        let now = state.now();
        let mut tx = state.db.begin().await?;
        let e = Entry::new(Actor::System, Action::StorageOrphansRemoved)
            .details(serde_json::json!({ "objects": removed }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await?;
    }
    Ok(removed)
}

/// Deletes for good the documents that stayed in the trash longer than [`TRASH_DAYS`]: rows and
/// audit record in one transaction, then the objects.
pub async fn purge_expired_trash(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    let before = now
        .checked_sub(SignedDuration::from_hours(24 * TRASH_DAYS))
        .unwrap_or(now);
    let due = repo::trashed_before(&state.db, before, 200).await?;
    let mut purged = 0;
    for doc in due {
        let mut tx = state.db.begin().await?;
        if !repo::purge(&mut tx, state.db.dialect(), &doc.owner_id, &doc.id).await? {
            continue; // restored meanwhile
        }
        let e = Entry::new(Actor::System, Action::DocumentPurged)
            .object("document", &doc.id)
            .subject(&doc.owner_id)
            .details(serde_json::json!({ "files": doc.object_keys.len() }));
        audit::append(&mut tx, &e, now).await?;
        tx.commit().await?;
        purged += 1;
        for key in &doc.object_keys {
            if let Err(e) = state.vault.delete(key).await {
                tracing::warn!(error = %e, object = %key, "purged document's object not removed; it is an orphan now");
            }
        }
    }
    Ok(purged)
}

/// Moves to the archive the expired documents that are due there (see
/// `store::documents::due_for_archive`: replaced by a newer one of the same kind, or — when the
/// operator set `documents.archive_expired_after_days` — expired that long ago), re-checking
/// each against the current rule first. Each move is recorded and announced in «Сообщения»
/// with its reason, in its transaction.
pub async fn archive_expired(state: &AppState) -> Result<usize, StoreError> {
    let now = state.now();
    // The earliest "today" on Earth: nothing is archived before its last day ended everywhere.
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(-12)))
        .date();
    let expired_before = state
        .config
        .documents
        .archive_expired_after_days
        .and_then(|days| {
            today
                .checked_sub(jiff::Span::new().days(i64::from(days)))
                .ok()
        })
        .map(|d| d.to_string());
    let due = repo::due_for_archive(
        &state.db,
        &today.to_string(),
        expired_before.as_deref(),
        500,
    )
    .await?;
    let catalogue = Catalogue::load(&state.db).await?;
    let mut archived = 0;
    for (id, owner_id, reason, replaced_by) in due {
        let Some(profile) = store::users::profile(&state.db, &owner_id).await? else {
            continue;
        };
        let mut conn = state.db.connection().await?;
        let Some(doc) = repo::get(&mut conn, &owner_id, &id).await? else {
            continue;
        };
        let newer = match &replaced_by {
            Some(newer_id) => repo::get(&mut conn, &owner_id, newer_id).await?,
            None => None,
        };
        drop(conn);
        let title = doc.data.title.clone();
        let assessed = assess_one(doc, &catalogue, key_change_date(&profile), today);
        if assessed.assessment.status != domain::documents::Status::Expired {
            continue;
        }
        let mut tx = state.db.begin().await?;
        if repo::set_state(
            &mut tx,
            &owner_id,
            &id,
            &["active"],
            "archived",
            Some(reason),
            now,
        )
        .await?
        {
            let e = Entry::new(Actor::System, Action::DocumentArchived)
                .object("document", &id)
                .subject(&owner_id)
                .details(serde_json::json!({ "reason": reason, "replaced_by": replaced_by }));
            audit::append(&mut tx, &e, now).await?;
            store::notifications::replan(&mut tx, &owner_id, &id, None, &[], &[]).await?;
            let message = archived_message(
                &title,
                &id,
                newer.as_ref().map(|n| n.data.title.as_str()),
                state.config.documents.archive_expired_after_days,
            );
            notify(
                &mut tx,
                state,
                &profile,
                &message,
                &format!("archived:{id}"),
                now,
            )
            .await?;
            archived += 1;
        }
        tx.commit().await?;
    }
    Ok(archived)
}

/// The notice that a document went to the archive by itself, and why.
fn archived_message(
    title: &str,
    id: &str,
    replaced_by: Option<&str>,
    after_days: Option<u32>,
) -> Message {
    let (body_ru, body_en) = match (replaced_by, after_days) {
        (Some(newer), _) => (
            format!(
                "Срок действия истёк, и его заменил более новый документ того же вида — «{newer}».                  Документ остаётся в архиве: его можно открыть, скачать или вернуть."
            ),
            format!(
                "It has expired and a newer document of the same kind replaced it: “{newer}”.                  It stays in the archive, where you can open, download or restore it."
            ),
        ),
        (None, days) => {
            let days = days.unwrap_or_default();
            (
                format!(
                    "Срок действия истёк больше {days} дн. назад. Документ остаётся в архиве:                      его можно открыть, скачать или вернуть."
                ),
                format!(
                    "It expired more than {days} days ago. It stays in the archive, where you                      can open, download or restore it."
                ),
            )
        }
    };
    Message {
        category: domain::notifications::Category::PersonalData,
        title_ru: format!("Документ перемещён в архив: {title}"),
        title_en: format!("Document moved to the archive: {title}"),
        body_ru,
        body_en,
        link: Some(format!("/documents/{id}")),
        list: None,
    }
}

/// The text of a status in the user's language.
pub fn status_label(status: domain::documents::Status, lang: Lang) -> &'static str {
    use domain::documents::Status as S;
    match (status, lang) {
        (S::Valid, Lang::Ru) => "Действует",
        (S::Valid, Lang::En) => "Valid",
        (S::Expiring, Lang::Ru) => "Истекает",
        (S::Expiring, Lang::En) => "Expiring",
        (S::Expired, Lang::Ru) => "Истёк",
        (S::Expired, Lang::En) => "Expired",
        (S::NeedsReplacement, Lang::Ru) => "Требует замены",
        (S::NeedsReplacement, Lang::En) => "Needs replacement",
        (S::Indefinite, Lang::Ru) => "Бессрочный",
        (S::Indefinite, Lang::En) => "No expiry",
    }
}
