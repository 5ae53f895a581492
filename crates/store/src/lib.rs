//! Persistence for Kabinet: one code path for SQLite (embedded default) and PostgreSQL (scale).
//!
//! Queries are written once in portable SQL through sqlx's `Any` driver with `$n` placeholders,
//! which both engines accept. The few dialect differences (row locking for the job queue and the
//! audit chain, `BEGIN IMMEDIATE` on SQLite) are decided in [`db::Dialect`] and nowhere else.
//!
//! Conventions: instants are `BIGINT` microseconds since the epoch (UTC), civil dates `TEXT`
//! `YYYY-MM-DD`, identifiers `TEXT` (UUID v7). Every function that changes state takes the
//! caller's transaction, so that the change, its audit record and its jobs commit together.
//! Reads take a [`Db`] or a connection from [`Db::connection`]. A row becomes its type in one
//! function per type, named `<type>_of(row)` (`document_of`, `summary_of`). Every public query
//! runs in a `debug` span named after the function, with no fields: the statement is known,
//! values never reach the log.

pub mod agency_systems;
pub mod applications;
pub mod audit;
pub mod catalogue;
pub mod codes;
pub mod consents;
pub mod db;
pub mod documents;
pub mod erasure;
pub mod error;
pub mod jobs;
pub mod logins;
pub mod notifications;
pub mod objects;
pub mod outbox;
pub mod passkeys;
pub mod push;
pub mod recovery;
pub mod registrations;
pub mod search;
pub mod second_factor;
pub mod sessions;
pub mod subscriptions;
pub mod tokens;
pub mod users;

pub use db::{Conn, Db, Dialect, Tx};
pub use error::StoreError;

use jiff::Timestamp;

/// A new time-ordered identifier (UUID v7 as text).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Lower-case hexadecimal of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn from_micros(v: i64) -> Timestamp {
    Timestamp::from_microsecond(v).unwrap_or(Timestamp::UNIX_EPOCH)
}
