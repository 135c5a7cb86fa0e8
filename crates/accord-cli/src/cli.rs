//! The command line, as clap parses it. The same types travel over the local socket to a
//! running peer (`accord serve` or the app), so they are serialisable too.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// Accord: meeting minutes, agreement drafts and action items, co-edited offline and synced
/// peer to peer.
///
/// Ids: a full document id, or a unique prefix of at least 4 characters; clauses also by
/// their number within --draft ("2.a").
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

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum Command {
    /// Set this device's party and name (the profile is created on first use).
    Init {
        /// The party this device belongs to ("Mexico", "Technical Secretariat").
        #[arg(long)]
        party: String,
        /// How this device is called in rosters ("Laptop of the Mexican delegation").
        #[arg(long)]
        device_name: Option<String>,
    },
    /// Create the demo meeting (RCM Liaison Officer Network, Managua 2014) and show it.
    Demo,
    /// Meetings: create, list, show.
    #[command(subcommand)]
    Meeting(MeetingCmd),
    /// Drafts: create, show the numbered text.
    #[command(subcommand)]
    Draft(DraftCmd),
    /// Clauses of a draft: add, edit, status, move, delete.
    #[command(subcommand)]
    Clause(ClauseCmd),
    /// A meeting's minutes.
    #[command(subcommand)]
    Minutes(MinutesCmd),
    /// Action items: add, list, done.
    #[command(subcommand)]
    Action(ActionCmd),
    /// Full-text search over every meeting.
    Search {
        query: String,
        /// At most this many hits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Invite one device of a party into a meeting; prints the ticket.
    ///
    /// The ticket names this device's address: it can be used while this device runs
    /// `accord serve` (or the app). Run against a running serve, it is made there; run alone,
    /// `--wait` keeps this process up until the invitation is used.
    Invite {
        #[arg(long)]
        meeting: String,
        #[arg(long)]
        party: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
        /// How long the ticket is valid (30m, 12h, 7d…).
        #[arg(long, default_value = "7d")]
        expires: String,
        /// Stay up, serving, until the invitation is used (when no `accord serve` runs).
        #[arg(long)]
        wait: bool,
    },
    /// Join a meeting with a ticket.
    Join { ticket: String },
    /// Revoke a device from a meeting (a device id or prefix).
    Revoke {
        #[arg(long)]
        meeting: String,
        device: String,
    },
    /// Undo a device's revocation (an admin's signed record; a device id or prefix).
    Restore {
        #[arg(long)]
        meeting: String,
        device: String,
    },
    /// The changes of revoked devices that arrived after their revocation and are held, not
    /// merged; `--accept DEVICE` takes that device's in (an admin's decision).
    Held {
        #[arg(long)]
        meeting: String,
        #[arg(long)]
        accept: Option<String>,
    },
    /// Run as an always-on peer: sync every meeting, log peers; Ctrl-C stops cleanly.
    Serve,
    /// Sync now: exits 0 once every reachable roster peer has all changes, naming those it
    /// could not reach; exits 1 naming them when none could be reached, or naming those still
    /// behind at the timeout.
    Sync {
        /// Give up after this long (10s, 2m…).
        #[arg(long, default_value = "60s")]
        timeout: String,
    },
    /// Network state, peers, and who has all changes of each meeting's documents.
    Status,
    /// Sneakernet: a meeting's changes in one signed file.
    #[command(subcommand)]
    Bundle(BundleCmd),
    /// Named versions of a meeting (Rev.1, Rev.2…), made by an admin.
    #[command(subcommand)]
    Version(VersionCmd),
    /// Render a draft of a meeting as a report (Markdown, HTML or DOCX).
    Export {
        #[arg(long)]
        meeting: String,
        #[arg(long, value_enum, default_value_t = FormatArg::Md)]
        format: FormatArg,
        #[arg(long, value_enum, default_value_t = ModeArg::Clean)]
        mode: ModeArg,
        /// The draft to render (default: the meeting's first).
        #[arg(long)]
        draft: Option<String>,
        /// Where to write it (default: standard output; for DOCX, the report's file name).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Read a report or draft (text, Markdown, DOCX) into a new draft of a meeting.
    Import {
        #[arg(long)]
        meeting: String,
        file: PathBuf,
        /// Also add the action items it suggests (those with owners).
        #[arg(long)]
        add_actions: bool,
    },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum MeetingCmd {
    /// Create a meeting, founded by this device.
    Create {
        #[arg(long)]
        title: String,
        #[arg(long)]
        forum: Option<String>,
        #[arg(long)]
        venue: Option<String>,
        /// The (first) day, YYYY-MM-DD.
        #[arg(long)]
        date: Option<String>,
        /// A participating party (repeat for several).
        #[arg(long = "party", value_name = "NAME")]
        parties: Vec<String>,
    },
    /// The meetings of this profile.
    List,
    /// A meeting: details, parties, documents, action items, roster.
    Show { meeting: String },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum DraftCmd {
    /// Create a draft in a meeting.
    Create {
        #[arg(long)]
        meeting: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        preamble: String,
    },
    /// The numbered text of a draft.
    Show { draft: String },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum ClauseCmd {
    /// Add a clause (at the end of the top level, of --parent, or after --after).
    Add {
        #[arg(long)]
        draft: String,
        #[arg(long, conflicts_with = "after")]
        parent: Option<String>,
        #[arg(long)]
        after: Option<String>,
        text: String,
    },
    /// Replace a clause's text, or splice it (positions in UTF-16 code units).
    Edit {
        #[arg(long)]
        draft: String,
        clause: String,
        #[arg(long, required_unless_present = "splice", conflicts_with = "splice")]
        text: Option<String>,
        /// POS:DEL:TEXT — delete DEL units at POS, insert TEXT there.
        #[arg(long)]
        splice: Option<String>,
    },
    /// Set a clause's status: open, bracketed, agreed_ad_ref, agreed, adopted, deleted.
    Status {
        #[arg(long)]
        draft: String,
        clause: String,
        status: String,
    },
    /// Move a clause: to the end of --parent, after --after, or (neither) to the end of the
    /// top level; or one level in/out with --indent/--outdent.
    Move {
        #[arg(long)]
        draft: String,
        clause: String,
        #[arg(long, conflicts_with_all = ["after", "indent", "outdent"])]
        parent: Option<String>,
        #[arg(long, conflicts_with_all = ["indent", "outdent"])]
        after: Option<String>,
        #[arg(long, conflicts_with = "outdent")]
        indent: bool,
        #[arg(long)]
        outdent: bool,
    },
    /// Delete a clause (and its sub-items).
    Delete {
        #[arg(long)]
        draft: String,
        clause: String,
    },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum MinutesCmd {
    /// Append a paragraph.
    Append {
        #[arg(long)]
        meeting: String,
        text: String,
    },
    /// The minutes (Markdown).
    Show {
        #[arg(long)]
        meeting: String,
    },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum ActionCmd {
    /// Add an action item.
    Add {
        #[arg(long)]
        meeting: String,
        text: String,
        /// An owner party, by name or id (repeat for several).
        #[arg(long = "owner", value_name = "PARTY")]
        owners: Vec<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: Option<String>,
    },
    /// Action items across every meeting.
    List {
        /// Only those past their due date and not done.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        owner: Option<String>,
        /// Only those of one meeting.
        #[arg(long)]
        meeting: Option<String>,
    },
    /// Mark an action item done.
    Done { action: String },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum BundleCmd {
    /// Write every change of a meeting to a file signed by this device.
    Export {
        #[arg(long)]
        meeting: String,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Merge a bundle from a device of the meeting's roster.
    Import { file: PathBuf },
}

#[derive(Debug, Clone, Subcommand, Serialize, Deserialize)]
pub enum VersionCmd {
    /// Record the meeting as it is now under a name (an admin only).
    Create {
        #[arg(long)]
        meeting: String,
        name: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The meeting's versions, oldest first; a version whose changes have not all arrived is
    /// pending.
    List {
        #[arg(long)]
        meeting: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum RoleArg {
    Member,
    Observer,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum FormatArg {
    Md,
    Html,
    Docx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
pub enum ModeArg {
    Clean,
    Working,
}

impl Command {
    /// Whether the command takes part in the network when it runs in its own process.
    pub fn needs_net(&self) -> bool {
        matches!(
            self,
            Command::Invite { .. }
                | Command::Join { .. }
                | Command::Serve
                | Command::Sync { .. }
                | Command::Status
        )
    }

    /// Whether it is worth a spinner while it runs.
    pub fn is_long(&self) -> bool {
        matches!(
            self,
            Command::Join { .. }
                | Command::Sync { .. }
                | Command::Status
                | Command::Bundle(_)
                | Command::Import { .. }
        )
    }
}
