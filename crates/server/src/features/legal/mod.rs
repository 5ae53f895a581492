//! Legal pages: the user agreement and the consent to personal-data processing (the two texts a
//! person accepts at registration, each versioned: the version accepted is kept with the
//! consent and shown here, and every published edition stays readable), the privacy policy, the
//! accessibility statement and the support contacts. The operator's name and address come from
//! the configuration (`operator.*`).

mod texts;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::routing::get;

use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::errors::PageError;
use crate::web::i18n::{Lang, Msg};
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

/// One heading and its paragraphs.
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// Who runs the installation, as the texts name them (placeholders say which setting is unset).
pub struct Operator {
    pub name: String,
    pub address: String,
    pub email: String,
    pub phone: String,
    /// The phone as a `tel:` address wants it.
    pub phone_link: String,
}

impl Operator {
    fn from_config(config: &crate::config::OperatorConfig, lang: Lang) -> Self {
        let or = |value: &str, ru: &'static str, en: &'static str| {
            if value.trim().is_empty() {
                lang.pick(ru, en).to_owned()
            } else {
                value.trim().to_owned()
            }
        };
        Operator {
            name: or(
                &config.name,
                "оператор этой установки Кабинета (наименование не указано в настройке operator.name)",
                "the operator of this Kabinet installation (its name is not set in operator.name)",
            ),
            address: or(
                &config.address,
                "не указан в настройке operator.address",
                "not set in operator.address",
            ),
            email: config.email.trim().to_owned(),
            phone: config.phone.trim().to_owned(),
            phone_link: config
                .phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect(),
        }
    }

    /// How to reach the operator, in one sentence.
    fn contact_line(&self, lang: Lang) -> String {
        let mut ways =
            vec![lang.pick("почтой по адресу ", "by post to ").to_owned() + &self.address];
        if !self.email.is_empty() {
            ways.push(lang.pick("на адрес ", "by e-mail to ").to_owned() + &self.email);
        }
        if !self.phone.is_empty() {
            ways.push(lang.pick("по телефону ", "by phone on ").to_owned() + &self.phone);
        }
        format!(
            "{} {}.",
            lang.pick("Связаться с оператором:", "To reach the operator:"),
            ways.join(", ")
        )
    }
}

/// A published edition of a document: its version (as stored with a consent) and its text.
pub struct Edition {
    pub version: &'static str,
    /// When it took effect, `YYYY-MM-DD`.
    pub effective: &'static str,
    text: fn(&Operator, Lang) -> Vec<Section>,
}

/// A legal document with its editions, newest first.
pub struct LegalDoc {
    /// The code stored with a consent (`consents.document`); empty for documents not consented to.
    pub code: &'static str,
    /// Its address: `/legal/{slug}`.
    pub slug: &'static str,
    pub title: Msg,
    pub editions: &'static [Edition],
}

impl LegalDoc {
    /// The edition in force: the one a person accepts today.
    pub const fn current(&self) -> &Edition {
        &self.editions[0]
    }

    pub fn path(&self) -> String {
        format!("/legal/{}", self.slug)
    }

    fn edition(&self, version: &str) -> Option<&Edition> {
        self.editions.iter().find(|e| e.version == version)
    }
}

pub const TERMS: LegalDoc = LegalDoc {
    code: "user_agreement",
    slug: "terms",
    title: Msg::new("Пользовательское соглашение", "User agreement"),
    editions: &[Edition {
        version: "2026-11",
        effective: "2026-11-01",
        text: texts::terms_2026_11,
    }],
};

pub const PERSONAL_DATA: LegalDoc = LegalDoc {
    code: "personal_data",
    slug: "personal-data",
    title: Msg::new(
        "Согласие на обработку персональных данных",
        "Consent to the processing of personal data",
    ),
    editions: &[Edition {
        version: "2026-11",
        effective: "2026-11-01",
        text: texts::personal_data_2026_11,
    }],
};

pub const PRIVACY: LegalDoc = LegalDoc {
    code: "",
    slug: "privacy",
    title: Msg::new("Политика обработки персональных данных", "Privacy policy"),
    editions: &[Edition {
        version: "2026-11",
        effective: "2026-11-01",
        text: texts::privacy_2026_11,
    }],
};

pub const ACCESSIBILITY: LegalDoc = LegalDoc {
    code: "",
    slug: "accessibility",
    title: Msg::new("Заявление о доступности", "Accessibility statement"),
    editions: &[Edition {
        version: "2026-11",
        effective: "2026-11-01",
        text: texts::accessibility_2026_11,
    }],
};

/// Every legal document, in the footer's order.
pub const ALL: [&LegalDoc; 4] = [&TERMS, &PERSONAL_DATA, &PRIVACY, &ACCESSIBILITY];

/// The document a consent's code names.
pub fn by_code(code: &str) -> Option<&'static LegalDoc> {
    ALL.into_iter()
        .find(|d| !d.code.is_empty() && d.code == code)
}

fn by_slug(slug: &str) -> Option<&'static LegalDoc> {
    ALL.into_iter().find(|d| d.slug == slug)
}

pub fn feature() -> super::Feature {
    super::Feature::new("legal").pages(pages())
}

fn pages() -> Routes {
    Routes::new()
        .route("/legal/{slug}", get(current))
        .route("/legal/{slug}/{version}", get(edition))
        .route("/support", get(support))
}

#[derive(Template, WebTemplate)]
#[template(path = "features/legal/document.html")]
struct DocumentPage {
    page: PageCtx,
    title: &'static str,
    version: &'static str,
    effective: String,
    is_current: bool,
    current_path: String,
    sections: Vec<Section>,
    /// (version, effective, path, is this one) of every edition.
    editions: Vec<(&'static str, String, String, bool)>,
    /// What the signed-in person accepted: (version, when, its path).
    accepted: Option<(String, String, String)>,
    t: &'static PageTexts,
}

struct PageTexts {
    version: &'static str,
    in_force_since: &'static str,
    not_current: &'static str,
    read_current: &'static str,
    editions: &'static str,
    you_accepted: &'static str,
    accepted_at: &'static str,
}

static RU: PageTexts = PageTexts {
    version: "Редакция",
    in_force_since: "действует с",
    not_current: "Это прежняя редакция. Действующая —",
    read_current: "читать действующую",
    editions: "Все редакции",
    you_accepted: "Вы приняли редакцию",
    accepted_at: "отметка поставлена",
};

static EN: PageTexts = PageTexts {
    version: "Edition",
    in_force_since: "in force since",
    not_current: "This is an earlier edition. The one in force:",
    read_current: "read the edition in force",
    editions: "All editions",
    you_accepted: "You accepted the edition",
    accepted_at: "ticked on",
};

fn civil(date: &str, lang: Lang) -> String {
    match date.parse::<jiff::civil::Date>() {
        Ok(d) if lang == Lang::Ru => d.strftime("%d.%m.%Y").to_string(),
        Ok(d) => d.strftime("%-d %B %Y").to_string(),
        Err(_) => date.to_owned(),
    }
}

async fn render(
    state: &AppState,
    user: Option<SignedIn>,
    page: PageCtx,
    doc: &'static LegalDoc,
    edition: &'static Edition,
) -> Result<DocumentPage, PageError> {
    let lang = page.lang;
    let operator = Operator::from_config(&state.config.operator, lang);
    let accepted = match (&user, doc.code) {
        (Some(user), code) if !code.is_empty() => {
            let profile = store::users::profile(&state.db, &user.user().id).await?;
            let zone = profile.map(|p| p.time_zone).unwrap_or_default();
            store::consents::for_user(&state.db, &user.user().id)
                .await?
                .into_iter()
                .filter(|c| c.document == code && c.withdrawn_at.is_none())
                .max_by_key(|c| c.given_at)
                .map(|c| {
                    let path = format!("{}/{}", doc.path(), c.version);
                    (c.version, crate::local_time::shown(c.given_at, &zone), path)
                })
        }
        _ => None,
    };
    Ok(DocumentPage {
        title: doc.title.get(lang),
        version: edition.version,
        effective: civil(edition.effective, lang),
        is_current: edition.version == doc.current().version,
        current_path: doc.path(),
        sections: (edition.text)(&operator, lang),
        editions: doc
            .editions
            .iter()
            .map(|e| {
                (
                    e.version,
                    civil(e.effective, lang),
                    format!("{}/{}", doc.path(), e.version),
                    e.version == edition.version,
                )
            })
            .collect(),
        accepted,
        t: lang.pick(&RU, &EN),
        page,
    })
}

async fn current(
    State(state): State<AppState>,
    user: Option<SignedIn>,
    page: PageCtx,
    Path(slug): Path<String>,
) -> Result<DocumentPage, PageError> {
    let doc = by_slug(&slug).ok_or(PageError::NotFound)?;
    render(&state, user, page, doc, doc.current()).await
}

async fn edition(
    State(state): State<AppState>,
    user: Option<SignedIn>,
    page: PageCtx,
    Path((slug, version)): Path<(String, String)>,
) -> Result<DocumentPage, PageError> {
    let doc = by_slug(&slug).ok_or(PageError::NotFound)?;
    let edition = doc.edition(&version).ok_or(PageError::NotFound)?;
    render(&state, user, page, doc, edition).await
}

#[derive(Template, WebTemplate)]
#[template(path = "features/legal/support.html")]
struct SupportPage {
    page: PageCtx,
    ru: bool,
    operator: Operator,
}

async fn support(State(state): State<AppState>, page: PageCtx) -> SupportPage {
    SupportPage {
        operator: Operator::from_config(&state.config.operator, page.lang),
        ru: page.lang == Lang::Ru,
        page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 152-FZ art. 9 part 4: what a written consent must name.
    #[test]
    fn the_consent_names_what_the_law_asks_for_in_both_languages() {
        let config = crate::config::OperatorConfig {
            name: "ГБУ «МФЦ Тестограда»".into(),
            address: "123456, г. Тестоград, ул. Ленина, д. 1".into(),
            email: "pd@mfc.example".into(),
            phone: String::new(),
        };
        for lang in [Lang::Ru, Lang::En] {
            let op = Operator::from_config(&config, lang);
            for edition in PERSONAL_DATA.editions {
                let text: String = (edition.text)(&op, lang)
                    .iter()
                    .flat_map(|s| std::iter::once(s.heading.clone()).chain(s.paragraphs.clone()))
                    .collect::<Vec<_>>()
                    .join("\n");
                assert!(text.contains("ГБУ «МФЦ Тестограда»"), "the operator");
                assert!(text.contains("ул. Ленина, д. 1"), "its address");
                assert!(text.contains("pd@mfc.example"), "how to reach it");
                let wanted: &[&str] = match lang {
                    Lang::Ru => &["Цели", "Какие данные", "Какие действия", "Срок", "Отозвать"],
                    Lang::En => &["Purposes", "The data", "The actions", "Term", "withdrawn"],
                };
                for w in wanted {
                    assert!(text.contains(w), "{lang:?}: {w}");
                }
            }
        }
    }

    #[test]
    fn every_consented_document_is_found_by_its_code_and_versions_are_unique() {
        for doc in ALL {
            let mut versions: Vec<_> = doc.editions.iter().map(|e| e.version).collect();
            versions.sort_unstable();
            versions.dedup();
            assert_eq!(versions.len(), doc.editions.len(), "{}", doc.slug);
            if !doc.code.is_empty() {
                assert_eq!(by_code(doc.code).map(|d| d.slug), Some(doc.slug));
            }
        }
    }
}
