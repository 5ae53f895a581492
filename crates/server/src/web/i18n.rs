//! Languages: Russian first, English second. Texts are plain structs with one static per
//! language, so that a text missing in one language is a compile error, not a blank on a page.
//! Each feature keeps its own texts beside its pages; the layout's live here.

use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Ru,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL
            .into_iter()
            .find(|l| code.eq_ignore_ascii_case(l.code()))
    }

    /// The text for this language out of a pair.
    pub fn pick<T: ?Sized>(self, ru: &'static T, en: &'static T) -> &'static T {
        match self {
            Lang::Ru => ru,
            Lang::En => en,
        }
    }

    /// The language a page offers to switch to.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ru => Lang::En,
            Lang::En => Lang::Ru,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The visitor's language: an explicit choice (cookie) wins, then the browser's
/// `Accept-Language` in order of preference, then Russian.
pub fn negotiate(chosen: Option<&str>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = chosen.and_then(Lang::from_code) {
        return lang;
    }
    let Some(header) = accept_language else {
        return Lang::Ru;
    };
    let mut offers: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next()?.trim();
            let primary = tag.split('-').next()?;
            let lang = Lang::from_code(primary)?;
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (quality > 0.0).then_some((quality, lang))
        })
        .collect();
    // Stable sort: among equal weights the header's order stands.
    offers.sort_by(|a, b| b.0.total_cmp(&a.0));
    offers.first().map(|(_, l)| *l).unwrap_or(Lang::Ru)
}

/// A message in both languages made at run time (with numbers or names in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub ru: String,
    pub en: String,
}

impl Text {
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ru: ru.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

impl From<Msg> for Text {
    fn from(m: Msg) -> Self {
        Self::new(m.ru, m.en)
    }
}

/// A message in both languages, for errors raised far from any request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg {
    pub ru: &'static str,
    pub en: &'static str,
}

impl Msg {
    pub const fn new(ru: &'static str, en: &'static str) -> Self {
        Self { ru, en }
    }

    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
        }
    }
}

/// Texts of the page frame: header, navigation, footer.
pub struct LayoutTexts {
    pub service_name: &'static str,
    pub service_tagline: &'static str,
    pub skip_to_content: &'static str,
    /// Starts the title of a form page that came back with errors (screen readers say it first).
    pub error_title_prefix: &'static str,
    pub nav_label: &'static str,
    pub nav_home: &'static str,
    pub footer_label: &'static str,
    pub footer_about: &'static str,
    pub footer_links: &'static str,
    pub search_label: &'static str,
    pub search_button: &'static str,
    pub footer_support: &'static str,
    pub language_label: &'static str,
    /// The name of the *other* language, written in that language.
    pub switch_language: &'static str,
    pub version: &'static str,
    pub request_id: &'static str,
    pub nav_profile: &'static str,
    pub nav_documents: &'static str,
    pub nav_registry: &'static str,
    pub nav_services: &'static str,
    pub nav_applications: &'static str,
    pub nav_office: &'static str,
    pub nav_messages: &'static str,
    pub unread: &'static str,
    pub idle_warning: &'static str,
    pub idle_stay: &'static str,
    pub nav_security: &'static str,
    pub nav_operator: &'static str,
    pub nav_sandbox: &'static str,
    pub operator_menu: &'static str,
    pub breadcrumbs: &'static str,
    pub nav_journal: &'static str,
    pub sign_in: &'static str,
    pub register: &'static str,
    pub sign_out: &'static str,
    pub account_label: &'static str,
    /// The button that opens the header's menu on phones.
    pub menu: &'static str,
    pub deletion_pending: &'static str,
    pub deletion_cancel: &'static str,
}

pub static LAYOUT_RU: LayoutTexts = LayoutTexts {
    service_name: "Кабинет",
    service_tagline: "личный кабинет гражданина",
    skip_to_content: "Перейти к содержанию",
    error_title_prefix: "Ошибка: ",
    nav_label: "Основное меню",
    nav_home: "Главная",
    footer_label: "Сведения о сервисе",
    footer_about: "Кабинет — самостоятельно размещаемый личный кабинет: документы, сроки, заявления и уведомления в одном месте.",
    footer_links: "Правовая информация",
    search_label: "Поиск по моим документам",
    search_button: "Найти",
    footer_support: "Поддержка",
    language_label: "Язык",
    switch_language: "English",
    version: "Версия",
    request_id: "Номер запроса",
    nav_profile: "Профиль",
    nav_documents: "Мои документы",
    nav_registry: "Сроки",
    nav_services: "Услуги",
    nav_applications: "Заявления",
    nav_office: "Ведомство",
    nav_messages: "Сообщения",
    unread: "непрочитанных",
    idle_warning: "Вы давно ничего не делали в кабинете. Через минуту мы выйдем из него, чтобы никто другой не увидел ваши данные.",
    idle_stay: "Остаться в кабинете",
    nav_security: "Безопасность",
    nav_operator: "Оператор",
    nav_sandbox: "Песочница",
    operator_menu: "Меню оператора",
    breadcrumbs: "Вы здесь",
    nav_journal: "Журнал аудита",
    sign_in: "Войти",
    register: "Регистрация",
    sign_out: "Выйти",
    account_label: "Учётная запись",
    menu: "Меню",
    deletion_pending: "Вы попросили удалить учётную запись. Она будет удалена",
    deletion_cancel: "Отменить удаление",
};

pub static LAYOUT_EN: LayoutTexts = LayoutTexts {
    service_name: "Kabinet",
    service_tagline: "a citizen's personal cabinet",
    skip_to_content: "Skip to main content",
    error_title_prefix: "Error: ",
    nav_label: "Main menu",
    nav_home: "Home",
    footer_label: "About the service",
    footer_about: "Kabinet is a self-hosted personal cabinet: documents, deadlines, applications and notifications in one place.",
    footer_links: "Legal information",
    search_label: "Search my documents",
    search_button: "Search",
    footer_support: "Support",
    language_label: "Language",
    switch_language: "Русский",
    version: "Version",
    request_id: "Request number",
    nav_profile: "Profile",
    nav_documents: "My documents",
    nav_registry: "Deadlines",
    nav_services: "Services",
    nav_applications: "Applications",
    nav_office: "Agency",
    nav_messages: "Messages",
    unread: "unread",
    idle_warning: "You have been inactive for a while. In a minute we will sign you out so that nobody else sees your data.",
    idle_stay: "Stay signed in",
    nav_security: "Security",
    nav_operator: "Operator",
    nav_sandbox: "Sandbox",
    operator_menu: "Operator menu",
    breadcrumbs: "You are here",
    nav_journal: "Audit log",
    sign_in: "Sign in",
    register: "Create account",
    sign_out: "Sign out",
    account_label: "Account",
    menu: "Menu",
    deletion_pending: "You asked us to delete your account. It will be deleted on",
    deletion_cancel: "Cancel deletion",
};

pub fn layout(lang: Lang) -> &'static LayoutTexts {
    lang.pick(&LAYOUT_RU, &LAYOUT_EN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_wins_then_browser_then_russian() {
        assert_eq!(negotiate(Some("en"), Some("ru")), Lang::En);
        assert_eq!(negotiate(None, Some("en-GB,en;q=0.9,ru;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, Some("de-DE,ru;q=0.5,en;q=0.4")), Lang::Ru);
        assert_eq!(negotiate(None, Some("ru;q=0.3, en;q=0.7")), Lang::En);
        assert_eq!(negotiate(None, Some("en;q=0, fr")), Lang::Ru);
        assert_eq!(negotiate(None, Some("garbage;;q=x,,")), Lang::Ru);
        assert_eq!(negotiate(Some("xx"), None), Lang::Ru);
        assert_eq!(negotiate(None, None), Lang::Ru);
    }
}
