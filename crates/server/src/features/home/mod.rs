//! The home page: what Kabinet is and where to start.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;

use crate::state::AppState;
use crate::web::page::PageCtx;

pub fn pages() -> Router<AppState> {
    Router::new().route("/", get(home))
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

async fn home(page: PageCtx) -> HomePage {
    let t = page.lang.pick(&RU, &EN);
    HomePage { page, t }
}
