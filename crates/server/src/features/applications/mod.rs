//! Applications to agencies: the catalogue of services («Услуги») now; drafts, submission, the
//! statuses, the dialog with the agency and the officer's queue are being built (issue 19, see
//! docs/architecture.md «Applications»). The rules are in `domain::applications`.

pub mod catalogue;
pub mod pages;

pub fn feature() -> super::Feature {
    super::Feature::new("applications").pages(pages::pages())
}
