//! Start-up: open the data folder, the master key and the database, apply migrations, then
//! serve the web application and/or run the worker until a shutdown signal.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use domain::Clock;
use store::Db;
use store::db::DbOptions;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::config::Config;
use crate::keys::{KeyError, MasterKey};
use crate::metrics::Metrics;
use crate::state::{AppState, Keys};
use crate::worker::{self, Registry};

/// What a node does: both (default), only the web server, or only background jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServeRole {
    #[default]
    All,
    Web,
    Worker,
}

/// Why the service could not start. Each prints as one line an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot use the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("configuration error: {0}")]
    Channels(#[from] crate::channels::ChannelConfigError),
    #[error("cannot open the file store: {0}")]
    Objects(#[from] store::objects::ObjectError),
    #[error("{0}")]
    GeoIp(#[from] crate::geoip::GeoIpError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the web server stopped: {0}")]
    Serve(std::io::Error),
}

/// Opens everything the service needs and migrates the database. Used by `serve` and by the
/// command-line tools (`migrate`, `demo`, `admin`).
pub async fn open(config: Config, clock: Arc<dyn Clock>) -> Result<AppState, StartupError> {
    let data_dir = config.data_dir.clone();
    let dir_err = |source| StartupError::DataDir {
        path: data_dir.clone(),
        source,
    };
    std::fs::create_dir_all(&data_dir).map_err(dir_err)?;
    // A read-only folder shows itself here, with its name, rather than as a database error later.
    let probe = data_dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(dir_err)?;
    let _ = std::fs::remove_file(&probe);

    let (master, generated) = MasterKey::load_or_create(&config)?;
    if generated {
        tracing::warn!(
            path = %data_dir.join("master.key").display(),
            "generated a new master key; back it up: without it, stored files cannot be read"
        );
    }

    let options = DbOptions {
        max_connections: config.database.max_connections,
        acquire_timeout: Duration::from_secs(config.database.acquire_timeout_secs),
    };
    let channels = crate::channels::Channels::from_config(&config, &master)?;
    let db = Db::connect(config.database_url().expose(), &options).await?;
    db.migrate().await?;
    crate::features::documents::catalogue::seed(&db, clock.now()).await?;
    crate::features::applications::catalogue::seed(&db, clock.now()).await?;
    let keys = Keys::new(master);
    let vault = store::objects::Vault::open(&config.storage_backend(), keys.files)?;
    tracing::debug!(store = ?vault, "document files");
    // What a crash in the middle of an upload left behind goes at start, not only with the
    // daily sweep.
    match vault
        .remove_stale_parts(crate::features::documents::service::STALE_PART_AGE)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(parts = n, "unfinished uploads' temporary parts removed"),
        Err(e) => tracing::warn!(error = %e, "unfinished uploads' temporary parts not removed"),
    }

    let geoip = crate::geoip::GeoIp::open(config.geoip.database.as_deref())?;
    let webauthn = crate::features::security::passkeys::relying_party(&config).map(Arc::new);
    Ok(AppState {
        webauthn,
        caches: Arc::default(),
        services: Arc::default(),
        deadlines: Arc::new(crate::features::documents::reminders::RegistryDeadlines),
        geoip: Arc::new(geoip),
        limiter: Arc::default(),
        config: Arc::new(config),
        db,
        clock,
        vault,
        keys: Arc::new(keys),
        metrics: Arc::new(Metrics::default()),
        jobs_enqueued: Arc::new(Notify::new()),
        channels: Arc::new(channels),
    })
}

/// A running (or ready to run) node.
pub struct Application {
    state: AppState,
    listener: Option<TcpListener>,
    role: ServeRole,
    registry: Registry,
}

impl Application {
    /// Prepares a node: binds the port now (port 0 picks a free one, as the tests do) so that a
    /// port in use is reported before anything else starts.
    pub async fn build(state: AppState, role: ServeRole) -> Result<Self, StartupError> {
        let listener = match role {
            ServeRole::Worker => None,
            ServeRole::All | ServeRole::Web => {
                let addr = state.config.listen;
                Some(
                    TcpListener::bind(addr)
                        .await
                        .map_err(|source| StartupError::Bind { addr, source })?,
                )
            }
        };
        Ok(Self {
            state,
            listener,
            role,
            registry: crate::features::jobs(),
        })
    }

    /// Adds job handlers (tests use this to observe the worker).
    pub fn with_jobs(mut self, extra: impl FnOnce(Registry) -> Registry) -> Self {
        self.registry = extra(self.registry);
        self
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes; then stops taking requests, lets running requests and
    /// jobs finish, and returns.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = match self.role {
            ServeRole::Web => None,
            ServeRole::All | ServeRole::Worker => {
                let name = format!("{}-{}", hostname(), std::process::id());
                Some(tokio::spawn(worker::run(
                    self.state.clone(),
                    self.registry.clone(),
                    name,
                    stop_rx.clone(),
                )))
            }
        };

        let result = match self.listener {
            Some(listener) => {
                let app = crate::web::router(self.state.clone());
                let mut stop = stop_rx.clone();
                let serve = axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                });
                tokio::spawn(async move {
                    shutdown.await;
                    let _ = stop_tx.send(true);
                });
                serve.await.map_err(StartupError::Serve)
            }
            None => {
                shutdown.await;
                let _ = stop_tx.send(true);
                Ok(())
            }
        };
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        self.state.db.close().await;
        result
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned())
}

/// Completes on Ctrl-C or SIGTERM (what container runtimes and systemd send). The handlers are
/// installed when this is called, not when first polled, so a signal that comes right after
/// start-up is not lost (and does not kill the process).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(terminate) => {}
                _ = wait(interrupt) => {}
            }
            tracing::info!("shutting down");
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
