//! Sharing and sync: the roster, invitations, joining, revocation, sync state.
//!
//! Arguments that name a role or a device arrive as strings and are parsed here, so a bad
//! one is refused with `{code, message}` like every other error (Tauri's own argument
//! errors are bare strings).

use std::time::Duration;

use accord::model::{DeviceId, DocId, Role};
use accord::{Invitation, PeerInfo, Revoked};
use tauri::State;

use crate::Accord;
use crate::dto::SyncState;
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn sync_state(s: State<'_, Accord>) -> CmdResult<SyncState> {
    Ok(SyncState::of(s.ws.sync_state(), &s.net, &s.ws.settings()))
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn peers(s: State<'_, Accord>, meeting_id: DocId) -> CmdResult<Vec<PeerInfo>> {
    Ok(s.ws.peers(&meeting_id).await?)
}

/// An invitation for one device of `party`, valid `expires_hours` hours (0: the API's
/// default, a week).
#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn invite(
    s: State<'_, Accord>,
    meeting_id: DocId,
    party: String,
    role: String,
    expires_hours: u32,
) -> CmdResult<Invitation> {
    let role: Role = role.parse()?;
    let valid_for = match expires_hours {
        0 => accord::DEFAULT_INVITE_VALIDITY,
        h => Duration::from_secs(u64::from(h) * 3600),
    };
    Ok(s.ws.invite(&meeting_id, &party, role, valid_for).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s, ticket), err(Debug))]
pub async fn join(s: State<'_, Accord>, ticket: String) -> CmdResult<DocId> {
    Ok(s.ws.join(&ticket).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn revoke(s: State<'_, Accord>, meeting_id: DocId, device: String) -> CmdResult<Revoked> {
    let device: DeviceId = device.parse()?;
    Ok(s.ws.revoke(&meeting_id, &device).await?)
}

/// Takes in a revoked device's changes held since its revocation (an admin's decision).
#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn accept_held(
    s: State<'_, Accord>,
    meeting_id: DocId,
    device: String,
) -> CmdResult<usize> {
    let device: DeviceId = device.parse()?;
    Ok(s.ws.accept_held(&meeting_id, &device).await?)
}
