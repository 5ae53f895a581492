//! Checking what the person typed against the kind: every field, its format and the rules
//! between fields, with messages in both languages.

use super::*;

/// What is wrong with a field, naming it, in both languages (the applications' forms say it the
/// same way).
pub fn field_text(err: FieldError, label_ru: &str, label_en: &str, example: Option<&str>) -> Text {
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

/// The stable code of a field problem, for API clients.
pub fn error_code(err: FieldError) -> &'static str {
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
