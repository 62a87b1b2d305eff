//! `agentbar-cli`: the headless face of AgentBar. `watch` streams a session
//! as JSON lines; the other commands run one connection-bar operation on
//! the session kept in the OS keyring. See `agentbar-cli --help`.

mod args;
mod calls;
mod connect;
mod fail;
mod oneshot;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Logs go to stderr, only when asked for. The HTTP, TLS, D-Bus and keyring
/// crates are held at `warn` whatever the filter says: their debug output
/// may show headers or message bodies, which carry the GUID and passwords.
fn init_logging(verbose: bool) {
    let filter = match std::env::var("AGENTBAR_LOG") {
        Ok(f) if !f.trim().is_empty() => f,
        _ if verbose => "info,agentgateway=debug,agentbar_cli=debug".to_owned(),
        _ => return,
    };
    let quiet = [
        "hyper",
        "hyper_util",
        "reqwest",
        "h2",
        "rustls",
        "zbus",
        "secret_service",
        "keyring",
    ];
    let filter = quiet
        .iter()
        .fold(filter, |f, krate| format!("{f},{krate}=warn"));
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// One thread runs the whole session: an event goes from the socket to the
/// stdout line without a hand-off to another thread, which on an idle machine
/// would wait for a sleeping core to wake (the quiet p99 was 3.5 ms with the
/// multi-thread runtime and 0.5 ms with this one, see README, Measured). Keyring
/// calls run on tokio's blocking threads and never hold up the loop.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let r = match &cli.command {
        Command::Watch(w) => watch::run(&cli.global, w).await,
        other => oneshot::run(&cli.global, other).await,
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("agentbar-cli: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
