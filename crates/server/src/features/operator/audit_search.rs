//! «Журнал аудита» for operators: the whole tamper-evident log, searched by person (whose data),
//! actor (who did it), action, address and period. Every search is itself recorded, because
//! reading who did what with a citizen's data is an access to personal data.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use serde::Deserialize;
use store::audit::Action;
use store::audit::{self, Entry, Record, Search};

use crate::local_time;
use crate::state::AppState;
use crate::web::auth::Operator;
use crate::web::auth::SignedIn;
use crate::web::context::RequestInfo;
use crate::web::errors::PageError;
use crate::web::forms::FormErrors;
use crate::web::i18n::Lang;
use crate::web::page::PageCtx;

const PER_PAGE: i64 = 100;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    ip: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u32>,
}

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub subject: String,
    pub ip: String,
    pub outcome: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "features/operator/audit.html")]
pub struct AuditPage {
    page: PageCtx,
    ru: bool,
    query: AuditQuery,
    rows: Vec<Row>,
    total: i64,
    page_no: u32,
    next_page: Option<String>,
    errors: FormErrors,
}

/// A typed date (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД) as the start of that day in the operator's zone.
fn day_start(text: &str, zone: &str) -> Option<jiff::Timestamp> {
    let text = text.trim();
    let date = jiff::civil::Date::strptime("%d.%m.%Y", text)
        .or_else(|_| text.parse::<jiff::civil::Date>())
        .ok()?;
    local_time::day_start(date, zone)
}

fn row(r: Record, zone: &str) -> Row {
    Row {
        at: local_time::shown(r.at, zone),
        actor: match r.actor_id {
            Some(id) => format!("{} {id}", r.actor_kind),
            None => r.actor_kind,
        },
        action: r.action,
        object: match (r.object_kind, r.object_id) {
            (Some(kind), Some(id)) => format!("{kind} {id}"),
            (Some(kind), None) => kind,
            _ => String::new(),
        },
        subject: r.subject_id.unwrap_or_default(),
        ip: r.ip.unwrap_or_default(),
        outcome: r.outcome,
    }
}

fn some(text: &str) -> Option<&str> {
    let text = text.trim();
    (!text.is_empty()).then_some(text)
}

pub async fn search(
    State(state): State<AppState>,
    Extension(info): Extension<RequestInfo>,
    user: SignedIn,
    page: PageCtx,
    Query(query): Query<AuditQuery>,
) -> Result<AuditPage, PageError> {
    let operator = Operator::check(user)?;
    let zone = operator.0.user().time_zone.clone();
    let lang = page.lang;
    let mut errors = FormErrors::default();
    let from = some(&query.from).and_then(|t| {
        let parsed = day_start(t, &zone);
        if parsed.is_none() {
            errors.push(
                "from",
                lang.pick("Дата «с» — в виде ДД.ММ.ГГГГ.", "Date from: DD.MM.YYYY."),
            );
        }
        parsed
    });
    let to = some(&query.to).and_then(|t| {
        let parsed = day_start(t, &zone)
            .and_then(|d| d.checked_add(jiff::SignedDuration::from_hours(24)).ok());
        if parsed.is_none() {
            errors.push(
                "to",
                lang.pick("Дата «по» — в виде ДД.ММ.ГГГГ.", "Date to: DD.MM.YYYY."),
            );
        }
        parsed
    });
    let page_no = query.page.unwrap_or(1).clamp(1, 10_000);
    let (rows, total) = if errors.is_empty() {
        let filter = Search {
            subject_id: some(&query.subject),
            actor_id: some(&query.actor),
            action_prefix: some(&query.action),
            ip: some(&query.ip),
            object_id: None,
            from,
            to,
        };
        let (records, total) = audit::search(
            &state.db,
            &filter,
            PER_PAGE,
            (i64::from(page_no) - 1) * PER_PAGE,
        )
        .await?;
        let now = state.now();
        let mut tx = state.db.begin().await?;
        let entry = Entry::new(operator.actor(), Action::OperatorAuditSearched)
            .from_request(info.ip.clone(), Some(operator.0.0.id.clone()))
            .details(serde_json::json!({
                "subject": some(&query.subject),
                "actor": some(&query.actor),
                "action": some(&query.action),
                "ip": some(&query.ip),
                "from": some(&query.from),
                "to": some(&query.to),
                "page": page_no,
            }));
        audit::append(&mut tx, &entry, now).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        (records.into_iter().map(|r| row(r, &zone)).collect(), total)
    } else {
        (Vec::new(), 0)
    };
    let next_page = (i64::from(page_no) * PER_PAGE < total).then(|| {
        let params: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("subject", query.subject.trim())
            .append_pair("actor", query.actor.trim())
            .append_pair("action", query.action.trim())
            .append_pair("ip", query.ip.trim())
            .append_pair("from", query.from.trim())
            .append_pair("to", query.to.trim())
            .append_pair("page", &(page_no + 1).to_string())
            .finish();
        format!("/operator/audit?{params}")
    });
    Ok(AuditPage {
        ru: lang == Lang::Ru,
        query,
        rows,
        total,
        page_no,
        next_page,
        errors,
        page,
    })
}
