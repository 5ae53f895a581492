//! Security notices: a notice in the «Безопасность» category on the person's chosen channels
//! (which they cannot turn off everywhere at once), with the time in their zone. The security
//! settings, the profile and signing in all announce through it.

use domain::notifications::Category;
use jiff::Timestamp;
use sqlx::AnyConnection;
use store::StoreError;

use super::service::{Message, notify};
use crate::state::AppState;

/// A security notice on the person's chosen channels; `what` keeps equal notices apart.
pub struct Announcement<'a> {
    pub what: &'a str,
    pub title: (&'a str, &'a str),
    pub body: (String, String),
    /// Where the notice leads in the cabinet.
    pub link: &'a str,
}

impl Announcement<'_> {
    pub async fn send(
        self,
        conn: &mut AnyConnection,
        state: &AppState,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some(profile) = store::users::profile(&state.db, user_id).await? else {
            return Ok(());
        };
        let when = crate::local_time::shown(now, &profile.time_zone);
        let message = Message {
            category: Category::Security,
            title_ru: self.title.0.to_owned(),
            title_en: self.title.1.to_owned(),
            body_ru: format!("{when}. {}", self.body.0),
            body_en: format!("{when}. {}", self.body.1),
            link: Some(self.link.to_owned()),
            list: None,
        };
        notify(
            conn,
            state,
            &profile,
            &message,
            &format!("security:{}:{user_id}:{}", self.what, now.as_microsecond()),
            now,
        )
        .await?;
        Ok(())
    }
}
