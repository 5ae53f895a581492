//! The Kabinet web application and worker.
//!
//! Start at [`app`] (how a node starts), then [`web`] (the shared machinery: context, errors,
//! sessions, CSRF, headers, languages) and [`features`] (one folder per feature).

pub mod actions;
pub mod app;
pub mod attention;
pub mod backup;
pub mod channels;
pub mod config;
pub mod demo;
pub mod features;
pub mod geoip;
pub mod ics;
pub mod keys;
pub mod local_time;
pub mod metrics;
pub mod profile_link;
pub mod state;
pub mod telemetry;
pub mod web;
pub mod worker;
pub mod zip;

pub use app::{Application, ServeRole, StartupError};
pub use config::Config;
pub use state::AppState;
