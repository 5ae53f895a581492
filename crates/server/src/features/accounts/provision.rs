//! Accounts made from the command line: operators (`kabinet admin create-operator`) and the demo
//! set (`kabinet demo`, composed in `crate::demo`). Each is created with its audit record in one
//! transaction.

use domain::{Email, Phone, Role};
use store::audit::Action;
use store::audit::{self, Actor, Entry};
use store::users::{self, NewUser};

use super::password;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("the e-mail address is not valid: {0}")]
    Email(domain::contact::EmailError),
    #[error("the phone number is not valid: {0}")]
    Phone(domain::contact::PhoneError),
    #[error("the name must not be empty")]
    Name,
    #[error("the password must be at least 12 characters long")]
    WeakPassword,
    #[error("an account with this phone or e-mail exists already")]
    Taken,
    #[error("{0}")]
    Hash(#[from] password::HashError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
}

/// An account to make from the console.
#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub role: Role,
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
    pub phone: Option<String>,
    pub email: String,
    pub password: String,
}

/// Creates the account; `Ok(None)` when `skip_existing` and the e-mail is taken.
pub async fn create(
    state: &AppState,
    spec: &AccountSpec,
    skip_existing: bool,
) -> Result<Option<String>, ProvisionError> {
    let email = Email::parse(&spec.email).map_err(ProvisionError::Email)?;
    let phone = spec
        .phone
        .as_deref()
        .map(Phone::parse)
        .transpose()
        .map_err(ProvisionError::Phone)?;
    if spec.surname.trim().is_empty() || spec.given_name.trim().is_empty() {
        return Err(ProvisionError::Name);
    }
    if spec.password.chars().count() < 12 {
        return Err(ProvisionError::WeakPassword);
    }
    // An existing account is found before hashing: `serve --demo` runs this on every start,
    // and each Argon2 hash costs a third of a second and 19 MiB that the allocator keeps.
    if skip_existing {
        let mut conn = state.db.connection().await?;
        if users::id_by_login(&mut conn, email.as_str())
            .await?
            .is_some()
        {
            return Ok(None);
        }
    }
    let hash = password::hash(spec.password.clone()).await?;

    let now = state.now();
    let mut tx = state.db.begin().await?;
    if users::id_by_login(&mut tx, email.as_str()).await?.is_some() {
        return if skip_existing {
            Ok(None)
        } else {
            Err(ProvisionError::Taken)
        };
    }
    let user = NewUser {
        role: spec.role,
        surname: spec.surname.trim().to_owned(),
        given_name: spec.given_name.trim().to_owned(),
        patronymic: spec.patronymic.clone().filter(|p| !p.trim().is_empty()),
        phone: phone.map(|p| p.as_str().to_owned()),
        email: Some(email.as_str().to_owned()),
        password_hash: Some(hash),
        contacts_verified: true,
    };
    let id = match users::insert(&mut tx, &user, now).await {
        Ok(id) => id,
        Err(store::StoreError::UniqueViolation) => return Err(ProvisionError::Taken),
        Err(e) => return Err(e.into()),
    };
    let entry = Entry::new(Actor::Console, Action::UserCreated)
        .object("user", &id)
        .subject(&id)
        .details(serde_json::json!({ "role": spec.role.as_str() }));
    audit::append(&mut tx, &entry, now).await?;
    tx.commit().await.map_err(store::StoreError::from)?;
    Ok(Some(id))
}
