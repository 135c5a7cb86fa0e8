//! Live editing: keystrokes (`splice`), document subscriptions and presence.

use accord::Presence;
use accord::model::{DocId, Splice, TextField};
use tauri::State;
use tauri::ipc::Channel;

use crate::Accord;
use crate::dto::DocEvent;
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn splice(
    s: State<'_, Accord>,
    doc_id: DocId,
    target: TextField,
    splice: Splice,
) -> CmdResult<()> {
    Ok(s.ws.splice(&doc_id, &target, &splice).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s, on_event), err(Debug))]
pub async fn subscribe(
    s: State<'_, Accord>,
    doc_id: DocId,
    on_event: Channel<DocEvent>,
) -> CmdResult<u32> {
    Ok(s.subs.subscribe(&s.ws, doc_id, on_event).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn unsubscribe(s: State<'_, Accord>, id: u32) -> CmdResult<()> {
    s.subs.unsubscribe(id);
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_presence(
    s: State<'_, Accord>,
    meeting_id: DocId,
    presence: Presence,
) -> CmdResult<()> {
    Ok(s.ws.set_presence(&meeting_id, presence).await?)
}
