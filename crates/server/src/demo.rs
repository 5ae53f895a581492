//! The demo installation (`kabinet demo`, `kabinet serve --demo`): one account per role, and a
//! citizen whose cabinet already shows what Kabinet does — documents, consents, a profile filled
//! from them. It composes several features, so it lives above them.

use domain::Role;
use domain::documents::profile_link::Subject;

use crate::features::accounts::provision::{self, AccountSpec, ProvisionError};
use crate::state::AppState;
use crate::web::context::RequestMeta;

/// The demo accounts: one per role a newcomer wants to try. Their passwords are public, so
/// `kabinet demo` refuses to run when the service says it is on HTTPS (production).
pub fn accounts() -> Vec<AccountSpec> {
    let make =
        |role, surname: &str, given: &str, patronymic: &str, phone: &str, email: &str, pw: &str| {
            AccountSpec {
                role,
                surname: surname.to_owned(),
                given_name: given.to_owned(),
                patronymic: Some(patronymic.to_owned()),
                phone: Some(phone.to_owned()),
                email: email.to_owned(),
                password: pw.to_owned(),
            }
        };
    vec![
        make(
            Role::Citizen,
            "Иванова",
            "Мария",
            "Петровна",
            "+79000000001",
            "citizen@demo.kabinet.test",
            "Demo-Citizen-2026",
        ),
        make(
            Role::Officer,
            "Смирнов",
            "Алексей",
            "Викторович",
            "+79000000002",
            "officer@demo.kabinet.test",
            "Demo-Officer-2026",
        ),
        make(
            Role::Operator,
            "Кузнецова",
            "Ольга",
            "Игоревна",
            "+79000000003",
            "operator@demo.kabinet.test",
            "Demo-Operator-2026",
        ),
    ]
}

/// What the demo citizen has beyond her account: her documents, her consents (as after a
/// registration, in today's editions) and a profile filled from her passport and SNILS — not
/// from her INN, so that the profile shows the offer to fill it.
async fn furnish_citizen(state: &AppState, id: &str) -> Result<(), ProvisionError> {
    if let Err(e) = crate::features::documents::demo::seed(state, id).await {
        tracing::warn!(error = %e, "demo documents not added");
    }
    let mut tx = state.db.begin().await?;
    for doc in [
        crate::features::legal::TERMS,
        crate::features::legal::PERSONAL_DATA,
    ] {
        store::consents::insert(&mut tx, id, doc.code, doc.current().version, state.now()).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    let subjects = [Subject::Passport, Subject::Snils];
    if let Err(e) =
        crate::features::profile::sources::fill_empty(state, id, &subjects, &RequestMeta::default())
            .await
    {
        tracing::warn!(error = %e, "demo profile not filled from the documents");
    }
    Ok(())
}

/// The agencies the demo officer works for: the passport service's and the appeals' (so the
/// demo shows an officer who sees two agencies' queues and no other).
pub const DEMO_OFFICER_AGENCIES: [&str; 2] = ["mvd", "municipality"];

async fn seat_officer(state: &AppState, id: &str) -> Result<(), ProvisionError> {
    let mut tx = state.db.begin().await?;
    for agency in DEMO_OFFICER_AGENCIES {
        store::applications::add_member(&mut tx, id, agency, state.now()).await?;
    }
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Seeds the demo accounts (idempotent) and returns what to print.
pub async fn seed(state: &AppState) -> Result<Vec<(AccountSpec, bool)>, ProvisionError> {
    let mut out = Vec::new();
    for spec in accounts() {
        let created = provision::create(state, &spec, true).await?;
        if let Some(id) = &created
            && spec.role == Role::Citizen
        {
            furnish_citizen(state, id).await?;
        }
        if let Some(id) = &created
            && spec.role == Role::Officer
        {
            seat_officer(state, id).await?;
        }
        out.push((spec, created.is_some()));
    }
    Ok(out)
}
