//! The profile edit page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service::{self, ProfileError, ProfileFields};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::context::RequestMeta;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::page::PageCtx;

pub struct EditTexts {
    pub title: &'static str,
    pub errors_heading: &'static str,
    pub name: &'static str,
    pub surname: &'static str,
    pub given_name: &'static str,
    pub patronymic: &'static str,
    pub birth_date: &'static str,
    pub date_hint: &'static str,
    pub sex: &'static str,
    pub sex_none: &'static str,
    pub male: &'static str,
    pub female: &'static str,
    pub place_of_birth: &'static str,
    pub numbers: &'static str,
    pub snils: &'static str,
    pub snils_hint: &'static str,
    pub inn: &'static str,
    pub inn_hint: &'static str,
    pub passport: &'static str,
    pub passport_hint: &'static str,
    pub series: &'static str,
    pub number: &'static str,
    pub issued_on: &'static str,
    pub issuer: &'static str,
    pub division_code: &'static str,
    pub division_hint: &'static str,
    pub reg_address: &'static str,
    pub act_address: &'static str,
    pub same_as_reg: &'static str,
    pub region: &'static str,
    pub city: &'static str,
    pub street: &'static str,
    pub house: &'static str,
    pub flat: &'static str,
    pub postcode: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
}

pub static EDIT_RU: EditTexts = EditTexts {
    title: "Изменить личные данные",
    errors_heading: "Исправьте ошибки",
    name: "ФИО",
    surname: "Фамилия",
    given_name: "Имя",
    patronymic: "Отчество",
    birth_date: "Дата рождения",
    date_hint: "ДД.ММ.ГГГГ",
    sex: "Пол",
    sex_none: "Не указан",
    male: "Мужской",
    female: "Женский",
    place_of_birth: "Место рождения",
    numbers: "СНИЛС и ИНН",
    snils: "СНИЛС",
    snils_hint: "11 цифр, например 112-233-445 95",
    inn: "ИНН",
    inn_hint: "12 цифр",
    passport: "Паспорт гражданина РФ",
    passport_hint: "Паспорт и СНИЛС нужны для стандартной учётной записи.",
    series: "Серия",
    number: "Номер",
    issued_on: "Дата выдачи",
    issuer: "Кем выдан",
    division_code: "Код подразделения",
    division_hint: "Например, 770-001",
    reg_address: "Адрес регистрации",
    act_address: "Фактический адрес",
    same_as_reg: "Совпадает с адресом регистрации",
    region: "Регион",
    city: "Населённый пункт",
    street: "Улица",
    house: "Дом, корпус",
    flat: "Квартира",
    postcode: "Индекс",
    save: "Сохранить",
    cancel: "Отмена",
};

pub static EDIT_EN: EditTexts = EditTexts {
    title: "Edit personal data",
    errors_heading: "There is a problem",
    name: "Full name",
    surname: "Surname",
    given_name: "Given name",
    patronymic: "Patronymic",
    birth_date: "Date of birth",
    date_hint: "DD.MM.YYYY",
    sex: "Sex",
    sex_none: "Not given",
    male: "Male",
    female: "Female",
    place_of_birth: "Place of birth",
    numbers: "SNILS and INN",
    snils: "SNILS",
    snils_hint: "11 digits, for example 112-233-445 95",
    inn: "INN",
    inn_hint: "12 digits",
    passport: "Passport of a citizen of the Russian Federation",
    passport_hint: "The passport and SNILS are needed for a standard account.",
    series: "Series",
    number: "Number",
    issued_on: "Date of issue",
    issuer: "Issued by",
    division_code: "Division code",
    division_hint: "For example, 770-001",
    reg_address: "Registration address",
    act_address: "Actual address",
    same_as_reg: "Same as the registration address",
    region: "Region",
    city: "Town",
    street: "Street",
    house: "House",
    flat: "Flat",
    postcode: "Postcode",
    save: "Save",
    cancel: "Cancel",
};

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/edit.html")]
pub struct EditPage {
    pub page: PageCtx,
    pub t: &'static EditTexts,
    pub form: ProfileFields,
    pub errors: FormErrors,
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
) -> Result<EditPage, PageError> {
    let profile = store::users::profile(&state.db, &user.user().id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(EditPage {
        t: page.lang.pick(&EDIT_RU, &EDIT_EN),
        form: ProfileFields::from_profile(&profile),
        errors: FormErrors::default(),
        page,
    })
}

/// The form as posted: checkboxes are absent when unticked.
#[derive(Deserialize)]
pub struct PostedFields {
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl PostedFields {
    fn into_fields(self) -> ProfileFields {
        let get = |k: &str| self.fields.get(k).cloned().unwrap_or_default();
        ProfileFields {
            surname: get("surname"),
            given_name: get("given_name"),
            patronymic: get("patronymic"),
            birth_date: get("birth_date"),
            sex: get("sex"),
            place_of_birth: get("place_of_birth"),
            snils: get("snils"),
            inn: get("inn"),
            passport_series: get("passport_series"),
            passport_number: get("passport_number"),
            passport_issued_on: get("passport_issued_on"),
            passport_issuer: get("passport_issuer"),
            passport_division_code: get("passport_division_code"),
            reg_region: get("reg_region"),
            reg_city: get("reg_city"),
            reg_street: get("reg_street"),
            reg_house: get("reg_house"),
            reg_flat: get("reg_flat"),
            reg_postcode: get("reg_postcode"),
            actual_same: self.fields.contains_key("actual_same"),
            act_region: get("act_region"),
            act_city: get("act_city"),
            act_street: get("act_street"),
            act_house: get("act_house"),
            act_flat: get("act_flat"),
            act_postcode: get("act_postcode"),
        }
    }
}

pub async fn edit_submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    user: SignedIn,
    page: PageCtx,
    Form(posted): Form<PostedFields>,
) -> Result<Response, PageError> {
    let fields = posted.into_fields();
    match service::save(&state, user.user(), &fields, &meta).await {
        Ok(saved) => {
            let note = match (saved.level_before.as_str(), saved.level_after.as_str()) {
                ("confirmed", "standard") => "level_dropped",
                (before, "standard") if before != "standard" => "level_standard",
                _ => "saved",
            };
            Ok(Redirect::to(&format!("/profile?{note}=1")).into_response())
        }
        Err(ProfileError::Invalid(issues)) => {
            let body = EditPage {
                t: page.lang.pick(&EDIT_RU, &EDIT_EN),
                errors: FormErrors::from_issues(&issues, page.lang),
                form: fields,
                page,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(ProfileError::NotFound) => Err(PageError::NotFound),
        Err(ProfileError::Store(e)) => Err(e.into()),
    }
}
