//! Live editing: keystrokes (`splice`, an editor's `edit_text`), document subscriptions and presence.

use accord::model::{DocId, Splice, TextField};
use accord::{Presence, TextEdit};
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

/// An editor's edit: its splices in order, made against the document as of event `base`;
/// `stale` when the document has had events since (see `Workspace::edit_text`).
#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn edit_text(
    s: State<'_, Accord>,
    doc_id: DocId,
    target: TextField,
    splices: Vec<Splice>,
    base: Option<u64>,
    tag: Option<u64>,
) -> CmdResult<TextEdit> {
    Ok(s.ws
        .edit_text(&doc_id, &target, &splices, base, tag)
        .await?)
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
