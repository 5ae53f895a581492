//! «Журнал действий»: what happened to the person's data — their own actions and what others
//! (officers, operators, the system) did — by period and area, and the same as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::documents::parse_date;
use jiff::Timestamp;
use serde::Deserialize;
use store::audit::Record;

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::SignedIn;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;
use crate::web::routes::Routes;

const PER_PAGE: i64 = 50;
/// The most rows one CSV export holds.
const EXPORT_LIMIT: i64 = 10_000;

pub fn pages() -> Routes {
    Routes::new()
        .route("/profile/journal", get(journal))
        .route("/profile/journal.csv", get(export))
}

/// The areas a person can filter by: action prefix, Russian, English.
const AREAS: [(&str, &str, &str); 6] = [
    ("document", "Документы", "Documents"),
    ("session", "Входы и выходы", "Sign-ins and sign-outs"),
    ("profile", "Личные данные", "Personal data"),
    ("user", "Учётная запись", "Account"),
    ("notification", "Уведомления", "Notifications"),
    ("api_token", "Ключи API", "API keys"),
];

pub fn action_text(action: &str, lang: Lang) -> String {
    crate::actions::label(action, lang)
}

fn who(r: &Record, subject: &str, lang: Lang) -> &'static str {
    match (r.actor_kind.as_str(), r.actor_id.as_deref()) {
        (_, Some(id)) if id == subject => lang.pick("вы", "you"),
        ("officer", _) => lang.pick("сотрудник ведомства", "agency officer"),
        ("agency_system", _) => lang.pick("система ведомства", "the agency's system"),
        ("operator", _) => lang.pick("оператор", "operator"),
        ("system", _) => lang.pick("автоматически", "automatically"),
        ("anonymous", _) => lang.pick("до входа", "before sign-in"),
        _ => lang.pick("другой пользователь", "another user"),
    }
}

#[derive(Deserialize, Default)]
struct JournalQuery {
    from: Option<String>,
    to: Option<String>,
    area: Option<String>,
    page: Option<i64>,
}

/// The period and area, read from the query; a bad date is named.
struct Filter {
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    area: Option<&'static str>,
    from_text: String,
    to_text: String,
    area_text: String,
}

fn filter(q: &JournalQuery, zone: &str, errors: &mut FormErrors, lang: Lang) -> Filter {
    let mut day = |field: &'static str, value: &Option<String>, next: bool| {
        let text = value.as_deref().unwrap_or("").trim().to_owned();
        if text.is_empty() {
            return (None, text);
        }
        match parse_date(&text) {
            Ok(d) => {
                let d = if next { d.tomorrow().unwrap_or(d) } else { d };
                let at = local_time::day_start(d, zone);
                (at, text)
            }
            Err(_) => {
                errors.push(
                    field,
                    lang.pick(
                        "Введите дату в виде ДД.ММ.ГГГГ",
                        "Enter a date as DD.MM.YYYY",
                    ),
                );
                (None, text)
            }
        }
    };
    let (from, from_text) = day("from", &q.from, false);
    let (to, to_text) = day("to", &q.to, true);
    let area_text = q.area.clone().unwrap_or_default();
    let area = AREAS.iter().map(|(a, _, _)| *a).find(|a| *a == area_text);
    Filter {
        from,
        to,
        area,
        from_text,
        to_text,
        area_text,
    }
}

pub struct Row {
    pub at: String,
    pub what: String,
    pub who: &'static str,
    pub ip: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/profile/journal.html")]
struct JournalPage {
    page: PageCtx,
    lang_ru: bool,
    from_label: &'static str,
    to_label: &'static str,
    date_hint: &'static str,
    rows: Vec<Row>,
    from: String,
    to: String,
    area: String,
    areas: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    total: i64,
    page_no: i64,
    pages: i64,
    csv_link: String,
}

impl JournalPage {
    fn link(&self, page: i64) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("from", &self.from);
        q.append_pair("to", &self.to);
        q.append_pair("area", &self.area);
        q.append_pair("page", &page.to_string());
        format!("/profile/journal?{}", q.finish())
    }
}

fn rows(records: &[Record], subject: &str, zone: &str, lang: Lang) -> Vec<Row> {
    records
        .iter()
        .map(|r| Row {
            at: local_time::shown(r.at, zone),
            what: action_text(&r.action, lang),
            who: who(r, subject, lang),
            ip: r.ip.clone().unwrap_or_default(),
        })
        .collect()
}

async fn journal(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<JournalQuery>,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let u = user.user();
    let mut errors = FormErrors::default();
    let f = filter(&q, &u.time_zone, &mut errors, lang);
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let (records, total) = store::audit::journal(
        &state.db,
        &u.id,
        f.from,
        f.to,
        f.area,
        PER_PAGE,
        (page_no - 1) * PER_PAGE,
    )
    .await?;
    let mut csv = form_urlencoded::Serializer::new(String::new());
    csv.append_pair("from", &f.from_text);
    csv.append_pair("to", &f.to_text);
    csv.append_pair("area", &f.area_text);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = JournalPage {
        lang_ru: lang == Lang::Ru,
        from_label: lang.pick("С даты", "From"),
        to_label: lang.pick("По дату", "To"),
        date_hint: lang.pick("ДД.ММ.ГГГГ", "DD.MM.YYYY"),
        rows: rows(&records, &u.id, &u.time_zone, lang),
        from: f.from_text,
        to: f.to_text,
        area: f.area_text,
        areas: AREAS
            .iter()
            .map(|(a, ru, en)| (*a, lang.pick(*ru, *en)))
            .collect(),
        errors,
        total,
        page_no,
        pages: ((total + PER_PAGE - 1) / PER_PAGE).max(1),
        csv_link: format!("/profile/journal.csv?{}", csv.finish()),
        page,
    };
    Ok((status, body).into_response())
}

fn csv_field(value: &str) -> String {
    // Quote every field; a leading =, +, - or @ is neutralised so spreadsheets do not run it.
    let safe = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

async fn export(
    State(state): State<AppState>,
    user: SignedIn,
    page: PageCtx,
    Query(q): Query<JournalQuery>,
) -> Result<Response, PageError> {
    let lang = page.lang;
    let u = user.user();
    let mut errors = FormErrors::default();
    let f = filter(&q, &u.time_zone, &mut errors, lang);
    if !errors.is_empty() {
        return Err(PageError::NotFound);
    }
    let (records, _) =
        store::audit::journal(&state.db, &u.id, f.from, f.to, f.area, EXPORT_LIMIT, 0).await?;
    let mut out = String::from("\u{feff}");
    let head = match lang {
        Lang::Ru => ["Время", "Действие", "Кто", "IP-адрес"],
        Lang::En => ["Time", "Action", "By", "IP address"],
    };
    out.push_str(&head.map(csv_field).join(";"));
    out.push_str("\r\n");
    for r in rows(&records, &u.id, &u.time_zone, lang) {
        out.push_str(
            &[r.at, r.what, r.who.to_owned(), r.ip]
                .map(|v| csv_field(&v))
                .join(";"),
        );
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                crate::web::download::content_disposition("attachment", "журнал-действий.csv"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        out,
    )
        .into_response())
}
