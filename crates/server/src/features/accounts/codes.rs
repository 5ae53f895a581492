//! One-time codes for phones and e-mail: six digits, five minutes, five tries, a new one no
//! sooner than a minute after the last, at most five an hour to one destination. Stored as an
//! HMAC under a key derived from the master key, so a copy of the database reveals none.

use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use store::StoreError;
use store::codes::{self, NewCode, StoredCode};

use crate::keys;
use crate::state::AppState;

pub const LIFETIME: SignedDuration = SignedDuration::from_mins(5);
pub const MAX_TRIES: i64 = 5;
pub const RESEND_AFTER: SignedDuration = SignedDuration::from_secs(60);
pub const MAX_PER_HOUR: i64 = 5;

/// Why a code was not accepted or not sent.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("no code was sent")]
    NoCode,
    #[error("the code has expired")]
    Expired,
    #[error("too many wrong tries")]
    TooManyTries,
    #[error("wrong code, {remaining} tries left")]
    Wrong { remaining: i64 },
    #[error("the code was used already")]
    Used,
    #[error("a new code can be sent in {wait_secs} s")]
    TooSoon { wait_secs: i64 },
    #[error("too many codes sent to this destination in the last hour")]
    HourlyCap,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CodeError {
    fn from(err: sqlx::Error) -> Self {
        CodeError::Store(err.into())
    }
}

/// What a new code is for.
pub struct CodeRequest<'a> {
    pub purpose: &'a str,
    pub subject: &'a str,
    pub channel: &'a str,
    pub destination: &'a str,
    /// A decoy: stored and limited like a real code, never accepted, never sent.
    pub inert: bool,
}

fn hash(state: &AppState, purpose: &str, subject: &str, code: &str) -> String {
    keys::sign(
        &state.keys.codes,
        format!("{purpose}\n{subject}\n{code}").as_bytes(),
    )
}

fn random_code() -> String {
    let mut bytes = [0_u8; 4];
    rand::fill(&mut bytes);
    format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000)
}

/// Makes and stores a new code in the caller's transaction; returns it for the message.
pub async fn issue(
    conn: &mut AnyConnection,
    state: &AppState,
    request: &CodeRequest<'_>,
    now: Timestamp,
) -> Result<String, CodeError> {
    if let Some(last) = codes::latest(conn, request.subject, request.purpose).await? {
        let ready_at = last.sent_at.checked_add(RESEND_AFTER).unwrap_or(now);
        if now < ready_at {
            let wait = ready_at.duration_since(now).as_secs().max(1);
            return Err(CodeError::TooSoon { wait_secs: wait });
        }
    }
    let hour_ago = now
        .checked_sub(SignedDuration::from_hours(1))
        .unwrap_or(now);
    if codes::sent_to_since(conn, request.destination, hour_ago).await? >= MAX_PER_HOUR {
        return Err(CodeError::HourlyCap);
    }
    let code = random_code();
    let code_hash = if request.inert {
        // Matches nothing: the key-derived hash of a value no code can take.
        hash(state, request.purpose, request.subject, "inert")
    } else {
        hash(state, request.purpose, request.subject, &code)
    };
    codes::insert(
        conn,
        &NewCode {
            purpose: request.purpose,
            subject: request.subject,
            channel: request.channel,
            destination: request.destination,
            code_hash: &code_hash,
            max_attempts: MAX_TRIES,
            inert: request.inert,
            expires_at: now.checked_add(LIFETIME).unwrap_or(now),
        },
        now,
    )
    .await?;
    Ok(code)
}

/// Checks a code typed by the user. A wrong try is counted and committed at once; a right code
/// is returned unconsumed, for the caller to [`consume`] in the transaction of what it unlocks.
pub async fn check(
    state: &AppState,
    purpose: &str,
    subject: &str,
    typed: &str,
    now: Timestamp,
) -> Result<StoredCode, CodeError> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let mut tx = state.db.begin().await?;
    let Some(code) = codes::latest(&mut tx, subject, purpose).await? else {
        return Err(CodeError::NoCode);
    };
    if code.consumed {
        return Err(CodeError::Used);
    }
    if now >= code.expires_at {
        return Err(CodeError::Expired);
    }
    if code.attempts >= code.max_attempts {
        return Err(CodeError::TooManyTries);
    }
    let matches = !code.inert
        && typed.len() == 6
        && keys::constant_time_eq(
            hash(state, purpose, subject, &typed).as_bytes(),
            code.code_hash.as_bytes(),
        );
    if matches {
        return Ok(code);
    }
    codes::count_attempt(&mut tx, &code.id).await?;
    tx.commit().await?;
    let remaining = code.max_attempts - code.attempts - 1;
    if remaining <= 0 {
        Err(CodeError::TooManyTries)
    } else {
        Err(CodeError::Wrong { remaining })
    }
}

/// Uses up a checked code in the caller's transaction; a second use (double submission) fails.
pub async fn consume(
    conn: &mut AnyConnection,
    code: &StoredCode,
    now: Timestamp,
) -> Result<(), CodeError> {
    if codes::consume(conn, &code.id, now).await? {
        Ok(())
    } else {
        Err(CodeError::Used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let code = random_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
