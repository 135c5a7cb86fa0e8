//! `accord`: the command line face of Accord — flags and glue over the `accord` API, which
//! the desktop app calls too. No domain logic lives here.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod show;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, usage errors with exit 2.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing(args.verbose);
    match try_main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            ExitCode::from(1)
        }
    }
}

fn try_main(args: cli::Cli) -> anyhow::Result<()> {
    match args.command {
        cli::Command::Demo => show::demo(args.json),
    }
}

/// One line: the error and its causes, separated by colons.
fn chain(e: &anyhow::Error) -> String {
    e.chain().map(|c| c.to_string()).collect::<Vec<_>>().join(": ")
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,accord=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
