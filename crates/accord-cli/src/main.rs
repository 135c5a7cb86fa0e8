//! `accord`: the command line face of Accord — flags and glue over the `accord` API, which
//! the desktop app calls too. No domain logic lives here.
//!
//! Exit codes: 0 success, 1 error (one line on stderr), 2 wrong usage.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use accord::{NetMode, OpenOptions, Workspace};
use accord_cli::cli::{Cli, Command};
use accord_cli::exec::{self, Host, Output, Request};
use accord_cli::{chain, local, net};
use anyhow::{Context, Result};
use clap::Parser;

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
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

fn try_main(args: Cli) -> Result<()> {
    let dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => accord::store::default_data_dir().context("no profile directory")?,
    };
    let mode = if args.command.needs_net() {
        accord_cli::net_mode(args.offline)?
    } else {
        NetMode::Off
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let req = Request {
        command: args.command,
        json: args.json,
        cwd,
    };
    runtime.block_on(run(dir, mode, req))
}

async fn run(dir: PathBuf, mode: NetMode, req: Request) -> Result<()> {
    let spinner = spinner(&req.command);
    // Only a serving process lives long enough to use documents loaded ahead.
    let options = OpenOptions::default()
        .with_net(mode)
        .with_load_ahead(matches!(req.command, Command::Serve));
    let opened = Workspace::open_with(&dir, options).await;
    let ws = match opened {
        Ok(ws) => ws,
        Err(e) if e.code() == "profile_in_use" => {
            // Another process holds the profile: if it serves the local socket, it does the work.
            let Some(answer) = local::forward(&dir, &req).await else {
                return Err(
                    anyhow::Error::new(e).context("and it does not answer on its local socket")
                );
            };
            let answer = answer.context("the process serving this profile did not answer")?;
            finish(spinner);
            if !answer.ok {
                anyhow::bail!(
                    answer
                        .error
                        .unwrap_or_else(|| "the running accord process failed".into())
                );
            }
            return print(&answer.output);
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot open the profile {}", dir.display()));
        }
    };
    if let Command::Serve = req.command {
        finish(spinner);
        return net::serve(ws, req.json).await;
    }
    let result = exec::run(&ws, &req, Host::Alone).await;
    finish(spinner);
    let waited = match (&result, &req.command) {
        (
            Ok(out),
            Command::Invite {
                wait: true,
                meeting,
                ..
            },
        ) => {
            print(out)?;
            eprintln!("waiting for the invitation to be used (Ctrl-C stops)…");
            let m = ws
                .meetings()
                .await?
                .into_iter()
                .map(|r| r.id)
                .find(|id| id.as_str().starts_with(meeting.trim()));
            if let Some(m) = m {
                match net::wait_for_join(&ws, &m).await? {
                    Some(who) => eprintln!("admitted {who}"),
                    None => eprintln!("stopped before the invitation was used"),
                }
            }
            true
        }
        _ => false,
    };
    // A command is done once what it changed is on disk (a read writes nothing that a
    // flush reports, so it prints on a full disk too).
    let saved = if result.is_ok() {
        ws.flush().await
    } else {
        Ok(())
    };
    // What was changed is in the index (search, lists) before the process goes.
    let settled = if result.is_ok() && saved.is_ok() {
        ws.index_settled().await
    } else {
        Ok(())
    };
    let closed = ws.close().await;
    saved.context("the change was not saved")?;
    settled.context("the profile's index was not updated")?;
    let out = result?;
    closed.context("the profile did not close cleanly")?;
    if !waited {
        print(&out)?;
    }
    Ok(())
}

fn print(out: &Output) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(out.stdout.as_bytes())
        .context("cannot write to standard output")?;
    stdout.flush().ok();
    if !out.stderr.is_empty() {
        eprint!("{}", out.stderr);
    }
    Ok(())
}

/// A spinner on stderr for long work, when a person is watching.
fn spinner(cmd: &Command) -> Option<indicatif::ProgressBar> {
    if !cmd.is_long() || !std::io::stderr().is_terminal() {
        return None;
    }
    let what = match cmd {
        Command::Join { .. } => "joining the meeting",
        Command::Sync { .. } => "syncing with the meetings' devices",
        Command::Status => "looking for peers",
        Command::Bundle(_) => "working on the bundle",
        _ => "working",
    };
    let pb = indicatif::ProgressBar::new_spinner().with_message(what);
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

fn finish(pb: Option<indicatif::ProgressBar>) {
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,accord=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
