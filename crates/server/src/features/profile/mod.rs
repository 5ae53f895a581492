//! The profile: personal data, contacts, identity level and consents. It is the one read model
//! (`store::users::Profile`) later forms autofill from.

pub mod api;
pub mod deletion;
pub mod devices;
pub mod edit;
pub mod export;
pub mod journal;
pub mod logins;
pub mod security;
pub mod service;
pub mod sources;
pub mod tokens;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use domain::documents::profile_link::Subject;
use serde::Deserialize;
use store::consents::Consent;
use store::users::Profile;

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::errors::PageError;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;
use crate::worker::{Every, Job, JobError};
use store::jobs::ClaimedJob;

/// The profile's pages and API; erasing accounts whose grace period is over, every hour.
pub fn feature() -> super::Feature {
    super::Feature::new("profile")
        .pages(pages())
        .api(api::api())
        .job(Job::new(deletion::ERASE_JOB, erase_job).every(Every::Hour))
}

fn pages() -> Routes {
    Routes::new()
        .route("/profile", get(profile))
        .route(
            "/profile/edit",
            get(edit::edit_form).post(edit::edit_submit),
        )
        .route("/profile/logins", get(logins::logins))
        .route("/profile/logins/not-me", post(logins::not_me))
        .merge(security::pages())
        .merge(tokens::pages())
        .merge(journal::pages())
        .merge(devices::pages())
        .merge(export::pages())
        .merge(deletion::pages())
        .merge(sources::pages())
}

async fn erase_job(state: AppState, _job: ClaimedJob) -> Result<(), JobError> {
    let n = deletion::erase_due(&state).await?;
    tracing::info!(erased = n, "accounts erased after their grace period");
    Ok(())
}

pub struct Texts {
    pub title: &'static str,
    pub welcome: &'static str,
    pub personal: &'static str,
    pub full_name: &'static str,
    pub phone: &'static str,
    pub email: &'static str,
    pub confirmed: &'static str,
    pub not_confirmed: &'static str,
    pub email_pending: &'static str,
    pub level: &'static str,
    pub level_simplified: &'static str,
    pub level_standard: &'static str,
    pub level_confirmed: &'static str,
    pub level_explained: &'static str,
    pub consents: &'static str,
    pub consent_terms: &'static str,
    pub consent_personal_data: &'static str,
    pub version: &'static str,
    pub given_at: &'static str,
    pub sessions: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub edit: &'static str,
    pub change_password: &'static str,
    pub change_contacts: &'static str,
    pub login_history: &'static str,
    pub api_tokens: &'static str,
    pub journal: &'static str,
    pub devices: &'static str,
    pub export: &'static str,
    pub delete_account: &'static str,
    pub deletion_cancelled: &'static str,
    pub birth_date: &'static str,
    pub snils: &'static str,
    pub inn: &'static str,
    pub passport: &'static str,
    pub reg_address: &'static str,
    pub act_address: &'static str,
    pub not_given: &'static str,
    pub saved: &'static str,
    pub level_now_standard: &'static str,
    pub level_dropped: &'static str,
    pub filled: &'static str,
    pub source_same: &'static str,
    pub source_profile_empty: &'static str,
    pub source_fill: &'static str,
    pub source_differs: &'static str,
    pub source_differs_what: &'static str,
    pub source_update: &'static str,
    pub source_fix_document: &'static str,
    pub source_missing: &'static str,
    pub source_add: &'static str,
}

static RU: Texts = Texts {
    title: "Профиль",
    welcome: "Учётная запись создана, вы вошли в кабинет. Мы отправили письмо со ссылкой для подтверждения почты.",
    personal: "Личные данные",
    full_name: "ФИО",
    phone: "Мобильный телефон",
    email: "Электронная почта",
    confirmed: "подтверждён",
    not_confirmed: "не подтверждён",
    email_pending: "Откройте ссылку из письма, чтобы подтвердить адрес.",
    level: "Уровень учётной записи",
    level_simplified: "Упрощённая",
    level_standard: "Стандартная",
    level_confirmed: "Подтверждённая",
    level_explained: "Чтобы получить стандартную учётную запись, укажите в профиле паспорт и СНИЛС: мы проверим их.",
    consents: "Согласия",
    consent_terms: "Пользовательское соглашение",
    consent_personal_data: "Согласие на обработку персональных данных (152-ФЗ)",
    version: "редакция",
    given_at: "дано",
    sessions: "Сеансы",
    sign_out: "Выйти",
    sign_out_everywhere: "Выйти на всех устройствах",
    edit: "Изменить личные данные",
    change_password: "Сменить пароль",
    change_contacts: "Изменить телефон или почту",
    login_history: "История входов",
    api_tokens: "Ключи API",
    journal: "Журнал действий",
    devices: "Устройства и сеансы",
    export: "Скачать все мои данные (ZIP)",
    delete_account: "Отозвать согласие и удалить учётную запись",
    deletion_cancelled: "Удаление отменено: учётная запись остаётся, согласия снова действуют.",
    birth_date: "Дата рождения",
    snils: "СНИЛС",
    inn: "ИНН",
    passport: "Паспорт",
    reg_address: "Адрес регистрации",
    act_address: "Фактический адрес",
    not_given: "не указано",
    saved: "Изменения сохранены.",
    level_now_standard: "Паспорт и СНИЛС прошли проверку: у вас стандартная учётная запись.",
    level_dropped: "Вы изменили ФИО, дату рождения или паспорт, поэтому уровень учётной записи снижен до стандартного. Чтобы вернуть подтверждённый уровень, подтвердите личность снова (в МФЦ или другим способом).",
    filled: "Профиль заполнен из документа.",
    source_same: "Из документа",
    source_profile_empty: "В «Мои документы» есть",
    source_fill: "Заполнить профиль из документа",
    source_differs: "Не совпадает с документом",
    source_differs_what: "Если документ новее, обновите профиль из него. Если ошибка в документе, исправьте документ.",
    source_update: "Обновить профиль из документа",
    source_fix_document: "Исправить документ",
    source_missing: "Документа нет в «Мои документы».",
    source_add: "Добавить документ",
};

static EN: Texts = Texts {
    title: "Profile",
    welcome: "Your account has been created and you are signed in. We sent a letter with a link to confirm your e-mail.",
    personal: "Personal data",
    full_name: "Full name",
    phone: "Mobile phone",
    email: "E-mail",
    confirmed: "confirmed",
    not_confirmed: "not confirmed",
    email_pending: "Open the link in our letter to confirm the address.",
    level: "Account level",
    level_simplified: "Simplified",
    level_standard: "Standard",
    level_confirmed: "Confirmed",
    level_explained: "To get a standard account, add your passport and SNILS to the profile: we will check them.",
    consents: "Consents",
    consent_terms: "User agreement",
    consent_personal_data: "Consent to personal data processing (152-FZ)",
    version: "version",
    given_at: "given",
    sessions: "Sessions",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out on all devices",
    edit: "Edit personal data",
    change_password: "Change password",
    change_contacts: "Change phone or e-mail",
    login_history: "Sign-in history",
    api_tokens: "API keys",
    journal: "Activity log",
    devices: "Devices and sessions",
    export: "Download all my data (ZIP)",
    delete_account: "Withdraw consent and delete the account",
    deletion_cancelled: "Deletion cancelled: your account stays and your consents apply again.",
    birth_date: "Date of birth",
    snils: "SNILS",
    inn: "INN",
    passport: "Passport",
    reg_address: "Registration address",
    act_address: "Actual address",
    not_given: "not given",
    saved: "Your changes are saved.",
    level_now_standard: "Your passport and SNILS passed the checks: you have a standard account.",
    level_dropped: "You changed your name, date of birth or passport, so your account level went down to standard. Confirm your identity again (at a service centre or another way) to get the confirmed level back.",
    filled: "The profile is filled from the document.",
    source_same: "From the document",
    source_profile_empty: "My documents hold",
    source_fill: "Fill the profile from the document",
    source_differs: "Does not match the document",
    source_differs_what: "If the document is newer, update the profile from it. If the document has a mistake, correct the document.",
    source_update: "Update the profile from the document",
    source_fix_document: "Correct the document",
    source_missing: "No such document in My documents.",
    source_add: "Add the document",
};

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/profile.html")]
struct ProfilePage {
    page: PageCtx,
    t: &'static Texts,
    profile: Profile,
    consents: Vec<(String, String, String, String)>,
    welcome: bool,
    notice: Option<&'static str>,
    fields: service::ProfileFields,
    passport_source: crate::profile_link::View,
    snils_source: crate::profile_link::View,
    inn_source: crate::profile_link::View,
}

impl ProfilePage {
    fn full_name(&self) -> String {
        let p = &self.profile;
        [
            Some(p.surname.as_str()),
            Some(p.given_name.as_str()),
            p.patronymic.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
    }

    fn level(&self) -> &'static str {
        match self.profile.identity_level.as_str() {
            "confirmed" => self.t.level_confirmed,
            "standard" => self.t.level_standard,
            _ => self.t.level_simplified,
        }
    }

    fn passport(&self) -> String {
        let f = &self.fields;
        if f.passport_number.is_empty() {
            return String::new();
        }
        format!(
            "{} {}, {} {}, {}",
            f.passport_series,
            f.passport_number,
            f.passport_issued_on,
            f.passport_issuer,
            f.passport_division_code
        )
    }

    fn address(&self, actual: bool) -> String {
        let f = &self.fields;
        let parts = if actual && !f.actual_same {
            [
                &f.act_postcode,
                &f.act_region,
                &f.act_city,
                &f.act_street,
                &f.act_house,
                &f.act_flat,
            ]
        } else {
            [
                &f.reg_postcode,
                &f.reg_region,
                &f.reg_city,
                &f.reg_street,
                &f.reg_house,
                &f.reg_flat,
            ]
        };
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn phone(&self) -> String {
        self.profile
            .phone
            .as_deref()
            .and_then(|p| domain::Phone::parse(p).ok())
            .map(|p| p.masked())
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct ProfileQuery {
    welcome: Option<String>,
    saved: Option<String>,
    level_standard: Option<String>,
    level_dropped: Option<String>,
    deletion_cancelled: Option<String>,
    filled: Option<String>,
}

/// (name, version, when, the address of that edition) of each consent in force.
fn consent_rows(
    consents: &[Consent],
    t: &Texts,
    zone: &str,
) -> Vec<(String, String, String, String)> {
    consents
        .iter()
        .filter(|c| c.withdrawn_at.is_none())
        .map(|c| {
            let name = match c.document.as_str() {
                "user_agreement" => t.consent_terms,
                _ => t.consent_personal_data,
            };
            let path = crate::features::legal::by_code(&c.document)
                .map(|d| format!("{}/{}", d.path(), c.version))
                .unwrap_or_default();
            (
                name.to_owned(),
                c.version.clone(),
                local_time::shown(c.given_at, zone),
                path,
            )
        })
        .collect()
}

async fn profile(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<ProfileQuery>,
) -> Result<ProfilePage, PageError> {
    let profile = store::users::profile(&state.db, &user.user().id)
        .await?
        .ok_or(PageError::NotFound)?;
    let consents = store::consents::for_user(&state.db, &profile.id).await?;
    let t = page.lang.pick(&RU, &EN);
    let notice = if q.level_dropped.is_some() {
        Some(t.level_dropped)
    } else if q.deletion_cancelled.is_some() {
        Some(t.deletion_cancelled)
    } else if q.level_standard.is_some() {
        Some(t.level_now_standard)
    } else if q.filled.is_some() {
        Some(t.filled)
    } else {
        q.saved.map(|_| t.saved)
    };
    let links = crate::profile_link::links(&state.db, &profile).await?;
    let source = |subject: Subject| {
        let has_it = crate::profile_link::profile_values(&profile, subject)
            .iter()
            .any(|(_, v)| !v.is_empty());
        crate::profile_link::View::of(
            subject,
            links.iter().find(|l| l.subject == subject),
            has_it,
            page.lang,
        )
    };
    let (passport_source, snils_source, inn_source) = (
        source(Subject::Passport),
        source(Subject::Snils),
        source(Subject::Inn),
    );
    Ok(ProfilePage {
        consents: consent_rows(&consents, t, &profile.time_zone),
        fields: service::ProfileFields::from_profile(&profile),
        t,
        profile,
        welcome: q.welcome.is_some(),
        notice,
        passport_source,
        snils_source,
        inn_source,
        page,
    })
}
