//! The demo citizen's documents: a realistic set that shows every status of the registry on the
//! day the demo is seeded.

use jiff::ToSpan;
use jiff::civil::Date;

use super::catalogue::Catalogue;
use super::service::{self, DocumentError, DocumentInput, Incoming};
use crate::state::AppState;
use crate::web::context::RequestMeta;

fn shift(d: Date, years: i64, days: i64) -> String {
    d.checked_add(years.years())
        .and_then(|d| d.checked_add(days.days()))
        .unwrap_or(d)
        .to_string()
}

fn input(
    kind: &str,
    number: &str,
    issued_on: String,
    description: &str,
    fields: &[(&str, String)],
) -> DocumentInput {
    DocumentInput {
        kind: kind.to_owned(),
        number: number.to_owned(),
        issued_on,
        description: description.to_owned(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        ..DocumentInput::default()
    }
}

/// A one-page PDF scan stand-in, so the demo passport has a file to download.
fn sample_scan() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\ntrailer << /Root 1 0 R >>\nstartxref\n190\n%%EOF\n".to_vec()
}

/// Adds the set to the demo citizen (called once, when the account is created).
pub async fn seed(state: &AppState, user_id: &str) -> Result<usize, DocumentError> {
    let user = store::users::summary(&state.db, user_id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let today = service::today(state, &user.time_zone);
    // The 20th birthday falls in 60 days: the passport needs replacing soon.
    let born = today
        .checked_add(60.days())
        .and_then(|d| d.checked_sub(20.years()))
        .unwrap_or(today);
    let mut tx = state.db.begin().await?;
    store::users::set_birth_date(&mut tx, user_id, &born.to_string()).await?;
    tx.commit().await?;

    let names = [
        ("surname", user.surname.clone()),
        ("given_name", user.given_name.clone()),
        ("patronymic", user.patronymic.clone().unwrap_or_default()),
        ("birth_date", born.to_string()),
    ];
    let mut passport_fields = names.to_vec();
    passport_fields.push(("division_code", "770-001".to_owned()));
    let mut licence_fields = names.to_vec();
    licence_fields.push(("categories", "B, B1".to_owned()));
    let passport_issued = shift(born, 14, 20);
    let docs = [
        DocumentInput {
            issuer: "ГУ МВД России по г. Москве".into(),
            ..input(
                "passport_rf",
                "45 20 123456",
                passport_issued,
                "Паспорт гражданина РФ",
                &passport_fields,
            )
        },
        // Issued 10 years minus 30 days ago: expires in 30 days, so its 30-day reminder is due.
        input(
            "driving_licence",
            "77 21 654321",
            shift(today, -10, 30),
            "Водительское удостоверение",
            &licence_fields,
        ),
        // Expired two weeks ago.
        input(
            "osago",
            "ХХХ 0123456789",
            shift(today, -1, -14),
            "Полис на семейный автомобиль",
            &[("plate", "А123ВС77".to_owned())],
        ),
        input("snils", "112-233-445 95", String::new(), "", &names[..3]),
        input("inn", "500100732259", String::new(), "", &[]),
    ];
    let meta = RequestMeta::default();
    let mut added = 0;
    let catalogue = Catalogue::load(&state.db).await?;
    for (i, doc) in docs.iter().enumerate() {
        let mut files: Vec<Incoming> = Vec::new();
        if i == 0
            && let Some(kind) = catalogue.get("passport_rf")
        {
            let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(
                sample_scan(),
            ))]);
            if let Ok(f) = service::receive(state, kind, "Паспорт, разворот.pdf", body).await
            {
                files.push(f);
            }
        }
        service::create(state, &user, doc, files, &meta).await?;
        added += 1;
    }
    let contract = DocumentInput {
        kind: "other".into(),
        title: "Договор аренды квартиры".into(),
        issuer: "ИП Соколов".into(),
        issued_on: shift(today, -1, 0),
        expires_on: shift(today, 0, 200),
        description: "Договор найма, продлевать за месяц до окончания".into(),
        tags: vec!["квартира, договоры".into()],
        ..DocumentInput::default()
    };
    service::create(state, &user, &contract, Vec::new(), &meta).await?;
    Ok(added + 1)
}
