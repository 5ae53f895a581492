//! The one integration-test binary (each extra test file would be another slow link).
//! Every test starts the real application on a random port with a fresh database: a SQLite file
//! in a temporary folder, or a fresh PostgreSQL schema when `KABINET_TEST_DATABASE_URL` is set.

mod accounts;
mod agency_api;
mod applications;
mod audit;
mod backup;
mod catalogue_admin;
mod citizen_api;
mod cli;
mod cluster;
mod corrections;
mod document_pages;
mod documents;
mod erasure;
mod geoip;
mod harness;
mod home;
mod jobs;
mod legal;
mod links;
mod migrations;
mod notifications;
mod office;
mod passkeys;
mod profile;
mod profile_sources;
mod push;
mod recovery;
mod s3;
mod scoping;
mod security;
mod services;
mod sessions;
mod shell;
mod sms_gateway;
mod subscriptions;
mod templates;
