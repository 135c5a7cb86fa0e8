use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Accord: meeting minutes, agreement drafts and action items, co-edited offline and synced
/// peer to peer.
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    /// The profile directory (default: the platform's data directory).
    #[arg(long, global = true, env = "ACCORD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// LAN only: no relays, no DNS lookups.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
    /// More logging (-v, -vv); ACCORD_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the demo meeting: the RCM Liaison Officer Network, Managua 2014.
    Demo,
}
