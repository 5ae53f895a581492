//! Kabinet's domain: pure types and rules. No I/O, no async, no web or database crates.
//!
//! Everything that decides something about a citizen's data (validity of documents, check digits,
//! statuses) lives here so that it can be tested at any date without a server.

pub mod applications;
pub mod clock;
pub mod contact;
pub mod documents;
pub mod ids;
pub mod inn;
pub mod notifications;
pub mod passport;
pub mod password;
pub mod person;
pub mod role;
pub mod snils;
pub mod totp;
pub mod working_days;

#[cfg(test)]
mod properties;

pub use clock::{Clock, ManualClock, SystemClock};
pub use contact::{Email, Phone};
pub use inn::Inn;
pub use person::{PersonName, Sex};
pub use role::Role;
pub use snils::Snils;
