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
    /// Administration
    #[command(subcommand)]
    Admin(AdminCommand),
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
        Command::Demo => {
            let state = open(config).await?;
            seed_demo(&state).await
        }
        Command::Admin(AdminCommand::CreateOperator(args)) => {
            let state = open(config).await?;
            create_operator(&state, args).await
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

async fn seed_demo(state: &AppState) -> Result<(), Failure> {
    if state.config.is_https() {
        return Err(Failure::Usage(
            "demo accounts have public passwords and are refused when public_url is https://"
                .to_owned(),
        ));
    }
    let seeded = provision::seed_demo(state)
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

async fn create_operator(state: &AppState, args: CreateOperator) -> Result<(), Failure> {
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
        role: Role::Operator,
        surname: args.surname,
        given_name: args.given_name,
        patronymic: args.patronymic,
        phone: args.phone,
        email: args.email,
        password: password.clone(),
    };
    match provision::create(state, &spec, false).await {
        Ok(Some(id)) => {
            println!("operator {} created (id {id})", spec.email.trim());
            if generated {
                println!("password: {password}");
                println!("It is shown only now: store it in a password manager.");
            }
            Ok(())
        }
        Ok(None) => Err(Failure::Run("the account exists already".to_owned())),
        Err(err @ (provision::ProvisionError::Store(_) | provision::ProvisionError::Hash(_))) => {
            Err(Failure::Run(err.to_string()))
        }
        Err(err) => Err(Failure::Usage(err.to_string())),
    }
}
