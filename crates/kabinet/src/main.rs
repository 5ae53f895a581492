//! `kabinet`: the one binary. Parses the command line, loads the configuration and hands over to
//! the server library. Exit codes: 0 done, 1 could not run (database, port, folder), 2 bad
//! command line or configuration.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::{Role, SystemClock};
use server::config::{Config, Overrides};
use server::features::accounts::provision::{self, AccountSpec};
use server::{AppState, Application, ServeRole};

#[derive(Parser)]
#[command(
    name = "kabinet",
    version,
    about = "Kabinet — a citizen's personal cabinet: documents, deadlines, applications and notifications."
)]
struct Cli {
    /// Configuration file (default: ./kabinet.toml when present)
    #[arg(long, global = true, env = "KABINET_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, global = true, value_name = "HOST:PORT")]
    listen: Option<String>,
    /// Folder for the database, keys and files [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:<path> or postgres://… [default: SQLite in the data folder]
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (web server and background worker)
    Serve(ServeArgs),
    /// Apply database migrations and exit
    Migrate,
    /// Create the demo accounts (idempotent) and print how to sign in
    Demo,
    /// Write a backup into a new or empty folder (or check one with --verify)
    Backup(BackupArgs),
    /// Restore a backup into an empty installation (the configured data folder and store)
    Restore(RestoreArgs),
    /// Administration
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Args)]
struct BackupArgs {
    /// The backup folder
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Check an existing backup (sizes, SHA-256, the database copy, the audit log) without
    /// restoring it
    #[arg(long, conflicts_with = "with_master_key")]
    verify: bool,
    /// Put the master key into the backup too: whoever holds the backup can then read every file
    #[arg(long)]
    with_master_key: bool,
}

#[derive(Args)]
struct RestoreArgs {
    /// The backup folder
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// What this node does
    #[arg(long, value_enum, default_value_t = RoleArg::All)]
    role: RoleArg,
    /// Create the demo accounts first and print how to sign in
    #[arg(long)]
    demo: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    /// Web server and worker in one process
    All,
    /// Only the web server
    Web,
    /// Only the background worker
    Worker,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an operator account; prints a generated password unless --password-stdin
    CreateOperator(CreateOperator),
    /// Create an agency officer's account, a member of the agencies named; prints a generated
    /// password unless --password-stdin
    CreateOfficer(CreateOfficer),
    /// Issue an API key for an agency's own system; prints the key (shown only this once)
    CreateAgencyKey(CreateAgencyKey),
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Args)]
struct CreateOperator {
    #[arg(long)]
    email: String,
    #[arg(long)]
    surname: String,
    #[arg(long)]
    given_name: String,
    #[arg(long)]
    patronymic: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// Read the password from standard input instead of generating one
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
struct CreateOfficer {
    #[command(flatten)]
    person: CreateOperator,
    /// An agency the officer works for (its code: mvd, gibdd, fns, sfr, zags, rosreestr, foms,
    /// municipality…); repeat for several
    #[arg(long = "agency", required = true, value_name = "CODE")]
    agencies: Vec<String>,
}

#[derive(Args)]
struct CreateAgencyKey {
    /// The agency's code (mvd, gibdd, fns, sfr, zags, rosreestr, foms, municipality…)
    #[arg(long, value_name = "CODE")]
    agency: String,
    /// Which system uses the key, as the operator's page lists it
    #[arg(long)]
    name: String,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk every hash chain and name the first record that does not match
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.listen.clone(),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let (config, report) = match Config::load(cli.config.as_deref(), &overrides, &env) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("kabinet: {err}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(config.log_format, &config.log_level);
    for name in &report.unknown_variables {
        tracing::warn!(variable = %name, "unknown KABINET_* environment variable ignored");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("kabinet: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("kabinet: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(message)) => {
            eprintln!("kabinet: {message}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    Run(String),
}

impl From<server::StartupError> for Failure {
    fn from(err: server::StartupError) -> Self {
        Failure::Run(err.to_string())
    }
}

async fn open(config: Config) -> Result<AppState, Failure> {
    Ok(server::app::open(config, Arc::new(SystemClock)).await?)
}

async fn run(command: Command, config: Config) -> Result<(), Failure> {
    match command {
        Command::Serve(args) => serve(args, config).await,
        Command::Migrate => {
            let state = open(config).await?;
            let (known, applied) = state
                .db
                .schema_versions()
                .await
                .map_err(|e| Failure::Run(e.to_string()))?;
            println!(
                "database is at schema version {} ({}; this kabinet knows up to {known})",
                applied.unwrap_or(0),
                state.db.dialect().name()
            );
            Ok(())
        }
        Command::Backup(args) if args.verify => verify_backup(&args.dir).await,
        Command::Backup(args) => {
            let state = open(config).await?;
            make_backup(&state, &args).await
        }
        Command::Restore(args) => restore_backup(config, &args.dir).await,
        Command::Demo => {
            let state = open(config).await?;
            seed_demo(&state).await
        }
        Command::Admin(AdminCommand::CreateOperator(args)) => {
            let state = open(config).await?;
            create_staff(&state, args, Role::Operator).await.map(|_| ())
        }
        Command::Admin(AdminCommand::CreateOfficer(args)) => {
            let state = open(config).await?;
            create_officer(&state, args).await
        }
        Command::Admin(AdminCommand::CreateAgencyKey(args)) => {
            let state = open(config).await?;
            create_agency_key(&state, args).await
        }
        Command::Admin(AdminCommand::Audit(AuditCommand::Verify)) => {
            let state = open(config).await?;
            let (checked, broken) = store::audit::verify(&state.db)
                .await
                .map_err(|e| Failure::Run(e.to_string()))?;
            match broken {
                None => {
                    println!(
                        "audit log intact: {checked} records in {} chains verified",
                        store::audit::SHARDS
                    );
                    Ok(())
                }
                Some(b) => Err(Failure::Run(format!(
                    "audit log tampered: shard {} record {}: {} ({checked} records before it verified)",
                    b.shard, b.seq, b.reason
                ))),
            }
        }
    }
}

async fn serve(args: ServeArgs, config: Config) -> Result<(), Failure> {
    let role = match args.role {
        RoleArg::All => ServeRole::All,
        RoleArg::Web => ServeRole::Web,
        RoleArg::Worker => ServeRole::Worker,
    };
    let state = open(config).await?;
    if args.demo {
        seed_demo(&state).await?;
    }
    let shutdown = server::app::shutdown_signal();
    let app = Application::build(state.clone(), role).await?;
    match app.local_addr() {
        Some(addr) => {
            let shown = state
                .config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}"));
            println!(
                "Kabinet {} is listening on {shown} ({} database)",
                env!("CARGO_PKG_VERSION"),
                state.db.dialect().name()
            );
            if !args.demo {
                println!(
                    "To try it with demo accounts: stop it and run `kabinet serve --demo` (or `kabinet demo` once)."
                );
            }
        }
        None => println!(
            "Kabinet worker started ({} database)",
            state.db.dialect().name()
        ),
    }
    app.run(shutdown).await?;
    Ok(())
}

fn backup_failure(err: server::backup::BackupError) -> Failure {
    match err {
        server::backup::BackupError::Refused(message) => Failure::Usage(message),
        other => Failure::Run(other.to_string()),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

async fn make_backup(state: &AppState, args: &BackupArgs) -> Result<(), Failure> {
    let manifest = server::backup::create(state, &args.dir, args.with_master_key)
        .await
        .map_err(backup_failure)?;
    println!(
        "backup written to {}: {} database ({}), {} files ({})",
        args.dir.display(),
        manifest.engine,
        megabytes(manifest.database.size),
        manifest.files.len(),
        megabytes(manifest.bytes() - manifest.database.size),
    );
    if manifest.master_key.is_some() {
        eprintln!(
            "warning: this backup holds the master key: whoever has it can read every file. Keep it as safe as the key itself."
        );
    } else {
        eprintln!(
            "warning: the master key is not in this backup; without it the files cannot be read. Keep the key ({}) safe apart from the backups.",
            match (&state.config.master_key, &state.config.master_key_file) {
                (Some(_), _) => "the configured master_key".to_owned(),
                (None, Some(path)) => path.display().to_string(),
                (None, None) => state
                    .config
                    .data_dir
                    .join("master.key")
                    .display()
                    .to_string(),
            }
        );
    }
    Ok(())
}

async fn verify_backup(dir: &std::path::Path) -> Result<(), Failure> {
    let verified = server::backup::verify(dir).await.map_err(backup_failure)?;
    let m = &verified.manifest;
    println!(
        "backup intact: {} database of {} (schema {}), {} files, {} in all{}{}",
        m.engine,
        m.created_at,
        m.schema_version,
        m.files.len(),
        megabytes(m.bytes()),
        verified
            .audit_records
            .map(|n| format!(", audit log of {n} records verified"))
            .unwrap_or_default(),
        if m.master_key.is_some() {
            ", with the master key"
        } else {
            ", without the master key"
        }
    );
    Ok(())
}

async fn restore_backup(config: Config, dir: &std::path::Path) -> Result<(), Failure> {
    let restored = server::backup::restore(config, dir)
        .await
        .map_err(backup_failure)?;
    if let Some(path) = &restored.master_key_written {
        println!("master key from the backup written to {}", path.display());
    }
    println!(
        "restored the backup of {}: {} files read back and checked, audit log of {} records verified",
        restored.manifest.created_at, restored.files_checked, restored.audit_records
    );
    Ok(())
}

async fn seed_demo(state: &AppState) -> Result<(), Failure> {
    if state.config.is_https() {
        return Err(Failure::Usage(
            "demo accounts have public passwords and are refused when public_url is https://"
                .to_owned(),
        ));
    }
    let seeded = server::demo::seed(state)
        .await
        .map_err(|e| Failure::Run(e.to_string()))?;
    println!("Demo accounts (public passwords: for trying Kabinet on your own machine only):");
    for (spec, created) in seeded {
        println!(
            "  {:<9} {:<28} phone {}  password {}{}",
            spec.role.as_str(),
            spec.email,
            spec.phone.as_deref().unwrap_or("-"),
            spec.password,
            if created { "  (created)" } else { "" }
        );
    }
    Ok(())
}

/// Checks that the agency codes exist; the error names the ones that do.
async fn known_agencies(state: &AppState, codes: &[String]) -> Result<(), Failure> {
    let known: Vec<String> = store::catalogue::agencies(&state.db)
        .await
        .map_err(|e| Failure::Run(e.to_string()))?
        .into_iter()
        .map(|a| a.code)
        .collect();
    match codes.iter().find(|a| !known.contains(a)) {
        Some(unknown) => Err(Failure::Usage(format!(
            "no agency {unknown:?}; the agencies are: {}",
            known.join(", ")
        ))),
        None => Ok(()),
    }
}

/// An agency key for the agency's system, printed once.
async fn create_agency_key(state: &AppState, args: CreateAgencyKey) -> Result<(), Failure> {
    known_agencies(state, std::slice::from_ref(&args.agency)).await?;
    let name = args.name.trim();
    if name.is_empty() {
        return Err(Failure::Usage("--name must name the system".into()));
    }
    let key = server::features::applications::systems::create_key(
        state,
        &args.agency,
        name,
        store::audit::Actor::Console,
        None,
    )
    .await
    .map_err(|e| Failure::Run(e.to_string()))?;
    println!("{key}");
    Ok(())
}

/// An officer's account and their agencies, checked before anything is created.
async fn create_officer(state: &AppState, args: CreateOfficer) -> Result<(), Failure> {
    known_agencies(state, &args.agencies).await?;
    let id = create_staff(state, args.person, Role::Officer).await?;
    let now = state.now();
    let run = |e: store::StoreError| Failure::Run(e.to_string());
    let mut tx = state.db.begin().await.map_err(run)?;
    for agency in &args.agencies {
        store::applications::add_member(&mut tx, &id, agency, now)
            .await
            .map_err(run)?;
        let entry = store::audit::Entry::new(
            store::audit::Actor::System,
            store::audit::Action::AgencyMemberAdded,
        )
        .object("agency", agency)
        .subject(&id);
        store::audit::append(&mut tx, &entry, now)
            .await
            .map_err(run)?;
    }
    tx.commit().await.map_err(|e| Failure::Run(e.to_string()))?;
    println!("works for: {}", args.agencies.join(", "));
    Ok(())
}

/// Creates a staff account of this role; returns its id.
async fn create_staff(
    state: &AppState,
    args: CreateOperator,
    role: Role,
) -> Result<String, Failure> {
    let (password, generated) = if args.password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).map_err(|e| {
            Failure::Run(format!("cannot read the password from standard input: {e}"))
        })?;
        (input.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (server::keys::random_token()[..20].to_owned(), true)
    };
    let spec = AccountSpec {
        role,
        surname: args.surname,
        given_name: args.given_name,
        patronymic: args.patronymic,
        phone: args.phone,
        email: args.email,
        password: password.clone(),
    };
    match provision::create(state, &spec, false).await {
        Ok(Some(id)) => {
            println!("{role} {} created (id {id})", spec.email.trim());
            if generated {
                println!("password: {password}");
                println!("It is shown only now: store it in a password manager.");
            }
            Ok(id)
        }
        Ok(None) => Err(Failure::Run("the account exists already".to_owned())),
        Err(err @ (provision::ProvisionError::Store(_) | provision::ProvisionError::Hash(_))) => {
            Err(Failure::Run(err.to_string()))
        }
        Err(err) => Err(Failure::Usage(err.to_string())),
    }
}
