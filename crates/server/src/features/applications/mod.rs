//! Applications to agencies: the catalogue of services («Услуги»), filling and submitting an
//! application (drafts saved at every step, «Проверьте ответы», the simple signature), «Мои
//! заявления» and each application's page. The dialog with the agency and the officer's queue
//! are being built (issue 19, see docs/architecture.md «Applications»). The rules are in
//! `domain::applications`.

mod agencies_admin;
pub mod agency_api;
mod attention;
pub mod catalogue;
mod catalogue_admin;
pub mod citizen_api;
mod controls;
pub mod drafts;
pub mod fill;
pub mod mine;
pub mod office;
pub mod office_pages;
pub mod pages;
mod prefill;
pub mod reply;
pub mod service;
pub mod systems;
pub mod templates;
pub mod webhooks;

pub fn feature() -> super::Feature {
    super::Feature::new("applications")
        .attention(attention::source)
        .job(
            crate::worker::Job::new(drafts::DRAFTS_JOB, drafts::drafts_job)
                .every(crate::worker::Every::Hour),
        )
        .job(crate::worker::Job::new(
            webhooks::WEBHOOK_JOB,
            webhooks::deliver_job,
        ))
        .api(agency_api::api())
        .api(citizen_api::api())
        .pages(pages::pages())
        .pages(fill::pages())
        .pages(mine::pages())
        .pages(office_pages::pages())
        .pages(agencies_admin::pages())
        .pages(systems::pages())
        .pages(templates::pages())
        .pages(catalogue_admin::pages())
}
