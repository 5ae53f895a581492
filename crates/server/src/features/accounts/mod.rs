//! Accounts: registration with a phone code and e-mail link, sign-in by password or SMS code
//! with lockout, sessions and API tokens, recovery, and accounts made from the console.

pub mod api;
pub mod codes;
pub mod pages;
pub mod password;
pub mod provision;
pub mod recovery;
pub mod recovery_pages;
pub mod second_step;
pub mod service;
pub mod texts;

pub fn feature() -> super::Feature {
    super::Feature::new("accounts")
        .pages(pages::pages())
        .api(api::api())
}
