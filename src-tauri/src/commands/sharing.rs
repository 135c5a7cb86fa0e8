//! Sharing and sync: the roster, invitations, joining, revocation, sync state; export and
//! import of reports.
//!
//! The `accord` API has no sync or export yet: until it does, these commands are registered
//! (so the UI gets a proper `{code, message}`) and answer `not_available`.

// Parameters are named by the UI contract but unused until the API lands.
#![allow(unused_variables)]

use accord::model::DocId;
use serde::Serialize;
use tauri::State;

use crate::Accord;
use crate::error::{CmdResult, IpcError};

/// `sync_state`: how this device reaches others.
#[derive(Debug, Clone, Serialize)]
pub struct SyncState {
    pub mode: &'static str,
    pub peers_online: usize,
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn sync_state(s: State<'_, Accord>) -> CmdResult<SyncState> {
    // Without a network layer this device is, truthfully, offline with no peers.
    let _ = &s.ws;
    Ok(SyncState {
        mode: "offline",
        peers_online: 0,
    })
}

#[tauri::command]
#[tracing::instrument(skip(_s), err(Debug))]
pub async fn peers(_s: State<'_, Accord>, meeting_id: DocId) -> CmdResult<Vec<serde_json::Value>> {
    Err(IpcError::not_available("the roster"))
}

#[tauri::command]
#[tracing::instrument(skip(_s), err(Debug))]
pub async fn invite(
    _s: State<'_, Accord>,
    meeting_id: DocId,
    party: String,
    role: String,
    expires_hours: u32,
) -> CmdResult<serde_json::Value> {
    Err(IpcError::not_available("inviting"))
}

#[tauri::command]
#[tracing::instrument(skip(_s, ticket), err(Debug))]
pub async fn join(_s: State<'_, Accord>, ticket: String) -> CmdResult<DocId> {
    Err(IpcError::not_available("joining"))
}

#[tauri::command]
#[tracing::instrument(skip(_s), err(Debug))]
pub async fn revoke(_s: State<'_, Accord>, meeting_id: DocId, device: String) -> CmdResult<()> {
    Err(IpcError::not_available("revoking"))
}

#[tauri::command]
#[tracing::instrument(skip(_s), err(Debug))]
pub async fn export_report(
    _s: State<'_, Accord>,
    meeting_id: DocId,
    draft_id: DocId,
    format: String,
    mode: String,
) -> CmdResult<serde_json::Value> {
    Err(IpcError::not_available("export"))
}

#[tauri::command]
#[tracing::instrument(skip(_s, bytes), err(Debug))]
pub async fn import_report(
    _s: State<'_, Accord>,
    meeting_id: DocId,
    bytes: Vec<u8>,
    file_name: String,
) -> CmdResult<serde_json::Value> {
    Err(IpcError::not_available("import"))
}
