//! `accord-desktop`: the desktop app — a thin Tauri 2 shell over the `accord` API.
//!
//! [`run_app`] wires the commands (`commands/<area>.rs`, one module per area of the UI's
//! contract in `ui/README.md`) and the app state: the profile's [`Workspace`], opened at
//! start-up, and the document [`live::Subscriptions`]. Tests pass
//! `tauri::test::mock_builder()` with a workspace of their own already managed.
//!
//! **Architecture invariant:** no domain logic here. A command parses its arguments, calls
//! one `accord` method and maps the result to the shape the UI expects (`dto`); every error
//! crosses as [`IpcError`] `{code, message}`. What the API lacks is asked of the API, not
//! written here.

use std::path::PathBuf;

use accord::{NetMode, OpenOptions, Workspace};
use tauri::webview::PageLoadEvent;
use tauri::{Manager, RunEvent, Runtime};

pub mod commands;
pub mod dto;
mod error;
pub mod fatal;
pub mod live;

pub use error::{CmdResult, IpcError};

/// The app state every command gets.
#[derive(Debug)]
pub struct Accord {
    pub ws: Workspace,
    pub subs: live::Subscriptions,
    /// How the network was asked to run at start-up, and what came of it.
    pub net: NetStart,
    /// Where exported reports are written; `None`: `$ACCORD_EXPORT_DIR`, else the user's
    /// Downloads folder (see `commands::sharing::export_dir`).
    pub export_dir: Option<PathBuf>,
}

impl Accord {
    /// A workspace opened without networking (tests; `main` uses [`Accord::with_net`]).
    pub fn new(ws: Workspace) -> Self {
        let offline = ws.settings().offline;
        Accord {
            ws,
            subs: live::Subscriptions::default(),
            net: NetStart {
                mode: NetMode::Off,
                offline_setting: offline,
                error: None,
            },
            export_dir: None,
        }
    }

    pub fn with_net(mut self, net: NetStart) -> Self {
        self.net = net;
        self
    }

    /// Writes exported reports into `dir` rather than the Downloads folder.
    pub fn with_export_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.export_dir = Some(dir.into());
        self
    }
}

/// The network as it was started. The network is started once, with the workspace: a
/// change of the "offline" setting applies at the next start, and `sync_state` says so.
#[derive(Debug, Clone)]
pub struct NetStart {
    /// The mode asked for (`ACCORD_NET`); `Off` also when starting the network failed.
    pub mode: NetMode,
    /// The "offline / LAN only" setting the network was started with.
    pub offline_setting: bool,
    /// Why the network could not start, if it could not (the app then runs without it).
    pub error: Option<String>,
}

/// The environment variable that picks the network mode: `off`, `loopback`, `lan` or
/// `online` (the default). `online` contacts nothing beyond the LAN while the settings say
/// "offline". End-to-end tests set `loopback`, so that they never send mDNS multicast or
/// contact relays.
pub const NET_ENV: &str = "ACCORD_NET";

/// Parses [`NET_ENV`]'s value; empty or absent means `online`.
pub fn parse_net_mode(value: Option<&str>) -> Result<NetMode, StartError> {
    match value.map(str::trim).unwrap_or("") {
        "" | "online" => Ok(NetMode::Online),
        "lan" => Ok(NetMode::Lan),
        "loopback" => Ok(NetMode::Loopback),
        "off" => Ok(NetMode::Off),
        other => Err(StartError {
            code: "invalid",
            message: format!(
                "{NET_ENV}={other:?} is not a network mode: use off, loopback, lan or online"
            ),
        }),
    }
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StartError {
    pub code: &'static str,
    pub message: String,
}

/// Adds Accord's commands and state to a Tauri builder. Unless the builder already manages
/// an [`Accord`] (`main` and the tests do), `setup` opens the profile in `$ACCORD_DATA_DIR`
/// or the platform's data directory, and if it cannot — another Accord has the profile
/// open, say — says why in a native message box and exits with status 1.
pub fn run_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            if app.try_state::<Accord>().is_none() {
                let state = open_workspace().unwrap_or_else(|e| fatal::exit(&e));
                app.manage(state);
            }
            Ok(())
        })
        .on_page_load(|webview, payload| {
            // A reload drops the page's channels: stop forwarding into them.
            if payload.event() == PageLoadEvent::Started
                && let Some(state) = webview.try_state::<Accord>()
            {
                state.subs.clear();
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::settings::profile,
            commands::settings::set_settings,
            commands::meetings::list_meetings,
            commands::meetings::create_meeting,
            commands::meetings::create_demo,
            commands::meetings::get_meeting,
            commands::meetings::update_meeting,
            commands::meetings::put_party,
            commands::drafts::create_draft,
            commands::drafts::get_draft,
            commands::drafts::insert_clause,
            commands::drafts::move_clause,
            commands::drafts::indent_clause,
            commands::drafts::outdent_clause,
            commands::drafts::delete_clause,
            commands::drafts::set_clause_status,
            commands::minutes::get_minutes,
            commands::actions::add_action,
            commands::actions::set_action_status,
            commands::actions::set_action_due,
            commands::actions::set_action_owners,
            commands::actions::list_actions,
            commands::search::search,
            commands::live::splice,
            commands::live::edit_text,
            commands::live::subscribe,
            commands::live::unsubscribe,
            commands::live::set_presence,
            commands::sharing::peers,
            commands::sharing::invite,
            commands::sharing::join,
            commands::sharing::revoke,
            commands::sharing::accept_held,
            commands::sharing::sync_state,
            commands::reports::export_report,
            commands::reports::import_report,
        ])
}

/// Opens the profile in `$ACCORD_DATA_DIR`, else the platform's data directory, with the
/// network mode of [`NET_ENV`]. If the network cannot start, the profile is opened without
/// it — an offline-first app still opens — and `sync_state` reports why.
pub fn open_workspace() -> Result<Accord, StartError> {
    let mode = parse_net_mode(std::env::var(NET_ENV).ok().as_deref())?;
    let dir = accord::store::default_data_dir().map_err(|e| start_error(e.into()))?;
    let open = |mode| {
        tauri::async_runtime::block_on(Workspace::open_with(
            &dir,
            OpenOptions::default().with_net(mode),
        ))
    };
    let (ws, mode, error) = match open(mode) {
        Ok(ws) => (ws, mode, None),
        Err(e @ (accord::Error::Network(_) | accord::Error::Offline)) => {
            tracing::error!(error = %e, ?mode, "the network did not start; running without it");
            (
                open(NetMode::Off).map_err(start_error)?,
                NetMode::Off,
                Some(e.to_string()),
            )
        }
        Err(e) => return Err(start_error(e)),
    };
    let offline_setting = ws.settings().offline;
    tracing::info!(dir = %ws.dir().display(), device = %ws.device(), ?mode, "profile open");
    Ok(Accord::new(ws).with_net(NetStart {
        mode,
        offline_setting,
        error,
    }))
}

fn start_error(e: accord::Error) -> StartError {
    StartError {
        code: e.code(),
        message: match e.code() {
            "profile_in_use" => format!(
                "{e}.\n\nAnother Accord window is already using this profile. Close it first, \
                 or start this one with another profile (ACCORD_DATA_DIR=/some/other/folder)."
            ),
            _ => format!("Accord could not open its profile: {e}"),
        },
    }
}

/// The app's run-loop hook: on exit, stops the subscriptions and closes the workspace, so
/// every acknowledged edit is on disk and the profile is released.
pub fn on_run_event<R: Runtime>(app: &tauri::AppHandle<R>, event: RunEvent) {
    if let RunEvent::Exit = event
        && let Some(state) = app.try_state::<Accord>()
    {
        state.subs.clear();
        if let Err(e) = tauri::async_runtime::block_on(state.ws.clone().close()) {
            tracing::error!(error = %e, code = e.code(), "closing the profile failed");
        }
    }
}
