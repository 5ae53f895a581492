//! The profile: personal data, contacts, identity level and consents.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use store::consents::Consent;
use store::users::Profile;

use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::errors::PageError;
use crate::web::page::PageCtx;

pub fn pages() -> Router<AppState> {
    Router::new().route("/profile", get(profile))
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
};

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/profile.html")]
struct ProfilePage {
    page: PageCtx,
    t: &'static Texts,
    profile: Profile,
    consents: Vec<(String, String, String)>,
    welcome: bool,
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
}

/// A civil rendering of an instant in the user's zone: `24.11.2026 09:30`.
pub fn local_time(at: jiff::Timestamp, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned_datetime(tz)
        .strftime("%d.%m.%Y %H:%M")
        .to_string()
}

fn consent_rows(consents: &[Consent], t: &Texts, zone: &str) -> Vec<(String, String, String)> {
    consents
        .iter()
        .filter(|c| c.withdrawn_at.is_none())
        .map(|c| {
            let name = match c.document.as_str() {
                "user_agreement" => t.consent_terms,
                _ => t.consent_personal_data,
            };
            (
                name.to_owned(),
                c.version.clone(),
                local_time(c.given_at, zone),
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
    Ok(ProfilePage {
        consents: consent_rows(&consents, t, &profile.time_zone),
        t,
        profile,
        welcome: q.welcome.is_some(),
        page,
    })
}
