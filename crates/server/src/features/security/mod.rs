//! Security settings: second factors (authenticator app, SMS, recovery codes), confirmation
//! before security changes, the second step of signing in, and announcements of new devices.
//! Passwords, contacts, sessions and the journal live with the profile; this page links them.

pub mod api;
pub mod pages;
pub mod passkey_pages;
pub mod passkeys;
mod qr;
pub mod service;

pub fn feature() -> super::Feature {
    super::Feature::new("security")
        .pages(pages::pages())
        .api(api::api())
}
