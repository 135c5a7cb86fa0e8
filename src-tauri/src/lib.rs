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

use accord::Workspace;
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
}

impl Accord {
    pub fn new(ws: Workspace) -> Self {
        Accord {
            ws,
            subs: live::Subscriptions::default(),
        }
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
                let ws = open_workspace().unwrap_or_else(|e| fatal::exit(&e));
                app.manage(Accord::new(ws));
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
            commands::live::subscribe,
            commands::live::unsubscribe,
            commands::live::set_presence,
            commands::sharing::peers,
            commands::sharing::invite,
            commands::sharing::join,
            commands::sharing::revoke,
            commands::sharing::sync_state,
            commands::sharing::export_report,
            commands::sharing::import_report,
        ])
}

/// Opens the profile in `$ACCORD_DATA_DIR`, else the platform's data directory.
pub fn open_workspace() -> Result<Workspace, StartError> {
    let ws = tauri::async_runtime::block_on(Workspace::open_default()).map_err(|e| StartError {
        code: e.code(),
        message: match e.code() {
            "profile_in_use" => format!(
                "{e}.\n\nAnother Accord window is already using this profile. Close it first, \
                 or start this one with another profile (ACCORD_DATA_DIR=/some/other/folder)."
            ),
            _ => format!("Accord could not open its profile: {e}"),
        },
    })?;
    tracing::info!(dir = %ws.dir().display(), device = %ws.device(), "profile open");
    Ok(ws)
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
