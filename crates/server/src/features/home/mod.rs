//! The home page: signed out, what Kabinet is and where to start; signed in, the cabinet's
//! front door — what needs attention now (each feature's descriptor names its contributor, see
//! `crate::attention`), the next deadlines and quick actions. It names no feature itself.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::attention::{Item, Upcoming};
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::errors::PageError;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

pub fn feature() -> super::Feature {
    super::Feature::new("home").pages(pages())
}

fn pages() -> Routes {
    Routes::new().route("/", get(home))
}

struct Texts {
    title: &'static str,
    lead: &'static str,
    sections_heading: &'static str,
    sections: [(&'static str, &'static str); 4],
}

static RU: Texts = Texts {
    title: "Личный кабинет гражданина",
    lead: "Все официальные документы, сроки, заявления и уведомления — в одном месте. Кабинет заранее напомнит, когда документ пора менять, и сообщит о каждом изменении.",
    sections_heading: "Что есть в кабинете",
    sections: [
        (
            "Мои документы",
            "Паспорт, СНИЛС, ИНН, права, полисы и свои документы — со сканами, зашифрованными при хранении.",
        ),
        (
            "Реестр сроков",
            "Статус каждого документа: действителен, истекает, истёк или требует замены — с расчётом по правилам для его вида.",
        ),
        (
            "Напоминания",
            "За 90, 30, 7 и 1 день до окончания срока — в кабинете, по почте или SMS, как вы настроите.",
        ),
        (
            "Безопасность",
            "Вход с подтверждением, журнал всех действий с вашими данными, выход на всех устройствах.",
        ),
    ],
};

static EN: Texts = Texts {
    title: "A citizen's personal cabinet",
    lead: "All your official documents, deadlines, applications and notifications in one place. Kabinet tells you in good time when a document must be renewed, and about every change.",
    sections_heading: "What the cabinet holds",
    sections: [
        (
            "My documents",
            "Passport, SNILS, INN, driving licence, policies and your own papers — with scans encrypted at rest.",
        ),
        (
            "Registry of deadlines",
            "Each document's status: valid, expiring, expired or due for replacement — computed by the rules for its kind.",
        ),
        (
            "Reminders",
            "90, 30, 7 and 1 days before a document expires — in the cabinet, by e-mail or SMS, as you choose.",
        ),
        (
            "Security",
            "Confirmed sign-in, a journal of every action on your data, sign-out on all devices.",
        ),
    ],
};

#[derive(Template, WebTemplate)]
#[template(path = "features/home/home.html")]
struct HomePage {
    page: PageCtx,
    t: &'static Texts,
}

/// The signed-in home: what needs attention now, the next deadlines, quick actions.
#[derive(Template, WebTemplate)]
#[template(path = "features/home/cabinet.html")]
struct CabinetPage {
    page: PageCtx,
    t: &'static CabinetTexts,
    greeting: String,
    attention: Vec<Item>,
    upcoming: Vec<Upcoming>,
}

struct CabinetTexts {
    title: &'static str,
    attention: &'static str,
    all_clear: &'static str,
    upcoming: &'static str,
    no_upcoming: &'static str,
    days_left: &'static str,
    all_deadlines: &'static str,
    quick: &'static str,
    quick_links: [(&'static str, &'static str); 5],
}

static CABINET_RU: CabinetTexts = CabinetTexts {
    title: "Главная",
    attention: "Требует внимания",
    all_clear: "Сейчас ничего не требует вашего внимания: сроки документов в порядке, новых сообщений нет.",
    upcoming: "Ближайшие сроки",
    no_upcoming: "Сроков впереди нет: добавьте документы со сроком действия, и они появятся здесь.",
    days_left: "осталось дней",
    all_deadlines: "Все сроки",
    quick: "Быстрые действия",
    quick_links: [
        ("/documents/new", "Добавить документ"),
        ("/documents", "Мои документы"),
        ("/registry", "Сроки"),
        ("/notifications", "Сообщения"),
        ("/profile", "Профиль"),
    ],
};

static CABINET_EN: CabinetTexts = CabinetTexts {
    title: "Home",
    attention: "Needs your attention",
    all_clear: "Nothing needs your attention now: your documents' deadlines are fine and there are no new messages.",
    upcoming: "Next deadlines",
    no_upcoming: "No deadlines ahead: add documents with a term and they will appear here.",
    days_left: "days left",
    all_deadlines: "All deadlines",
    quick: "Quick actions",
    quick_links: [
        ("/documents/new", "Add a document"),
        ("/documents", "My documents"),
        ("/registry", "Deadlines"),
        ("/notifications", "Messages"),
        ("/profile", "Profile"),
    ],
};

async fn home(
    State(state): State<AppState>,
    user: Option<SignedIn>,
    page: PageCtx,
) -> Result<Response, PageError> {
    let Some(user) = user else {
        let t = page.lang.pick(&RU, &EN);
        return Ok(HomePage { page, t }.into_response());
    };
    let lang = page.lang;
    let me = user.user();
    let mut attention = Vec::new();
    let mut upcoming = Vec::new();
    for source in crate::features::attention_sources() {
        let mine = source(&state, me, lang).await?;
        attention.extend(mine.items);
        upcoming.extend(mine.upcoming);
    }
    upcoming.sort_by_key(|u| u.days_left);
    attention.extend(crate::attention::unread_messages(page.unread, lang));
    // «Анна Сергеевна», as people are addressed in Russian.
    let name = [Some(me.given_name.as_str()), me.patronymic.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let greeting = match lang {
        Lang::Ru => format!("Здравствуйте, {name}"),
        Lang::En => format!("Hello, {name}"),
    };
    Ok(CabinetPage {
        t: lang.pick(&CABINET_RU, &CABINET_EN),
        greeting,
        attention: crate::attention::sorted(attention),
        upcoming,
        page,
    }
    .into_response())
}
