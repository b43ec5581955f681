//! The `mergeloom-worker` binary: parses the command line and runs a subcommand. Nothing else.

use clap::{CommandFactory, FromArgMatches};
use mergeloom_worker::config::{self, Cli, Command, Config};
use mergeloom_worker::server;

fn main() -> std::process::ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::SeedRun(args) => {
            match mergeloom_worker::seed::seed_run(&args.data_dir, args.events) {
                Ok((job_id, run_id)) => {
                    println!(
                        "{}",
                        serde_json::json!({"job_id": job_id, "run_id": run_id})
                    );
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("mergeloom-worker: seed-run: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Command::Openapi => {
            print!("{}", mergeloom_worker::api::openapi::document());
            std::process::ExitCode::SUCCESS
        }
        Command::Serve(args) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info,actix_server=warn".into()),
                )
                .with_writer(std::io::stderr)
                .init();
            let config = match Config::from_args(args) {
                Ok(mut c) => {
                    if let Some(("serve", serve)) = matches.subcommand() {
                        c.setting_sources = config::provisioned_settings(
                            serve,
                            &mergeloom_worker::settings::registry::NAMES,
                        );
                    }
                    c
                }
                Err(e) => {
                    eprintln!("mergeloom-worker: {e}");
                    return std::process::ExitCode::from(2);
                }
            };
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("mergeloom-worker: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            rt.block_on(serve(config))
        }
    }
}

async fn serve(config: Config) -> std::process::ExitCode {
    let running = match server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mergeloom-worker: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Install the signal handlers before announcing the address: a supervisor may send SIGTERM
    // as soon as it reads the line.
    let signals = Signals::install();
    println!("listening on {}", running.url());
    signals.wait().await;
    tracing::info!("shutting down");
    running.stop().await;
    std::process::ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, listened for from the moment they are installed.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Self {
        Self {
            #[cfg(unix)]
            term: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok(),
        }
    }

    async fn wait(self) {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        if let Some(mut term) = self.term {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = ctrl_c.await;
    }
}
