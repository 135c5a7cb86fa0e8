//! Drafts: create, read (working or clean), and the clause tree.

use accord::model::{ClauseId, ClauseStatus, DocId, DraftView, Placement};
use tauri::State;

use crate::Accord;
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn create_draft(
    s: State<'_, Accord>,
    meeting_id: DocId,
    title: String,
) -> CmdResult<DocId> {
    Ok(s.ws.create_draft(&meeting_id, &title, "").await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn get_draft(
    s: State<'_, Accord>,
    draft_id: DocId,
    clean: Option<bool>,
) -> CmdResult<DraftView> {
    let view = s.ws.draft(&draft_id).await?;
    Ok(if clean.unwrap_or(false) {
        view.clean()
    } else {
        view
    })
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn insert_clause(
    s: State<'_, Accord>,
    draft_id: DocId,
    placement: Placement,
    text: String,
) -> CmdResult<ClauseId> {
    Ok(s.ws.insert_clause(&draft_id, &placement, &text).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn move_clause(
    s: State<'_, Accord>,
    draft_id: DocId,
    clause_id: ClauseId,
    placement: Placement,
) -> CmdResult<()> {
    Ok(s.ws.move_clause(&draft_id, &clause_id, &placement).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn indent_clause(
    s: State<'_, Accord>,
    draft_id: DocId,
    clause_id: ClauseId,
) -> CmdResult<()> {
    Ok(s.ws.indent_clause(&draft_id, &clause_id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn outdent_clause(
    s: State<'_, Accord>,
    draft_id: DocId,
    clause_id: ClauseId,
) -> CmdResult<()> {
    Ok(s.ws.outdent_clause(&draft_id, &clause_id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn delete_clause(
    s: State<'_, Accord>,
    draft_id: DocId,
    clause_id: ClauseId,
) -> CmdResult<()> {
    Ok(s.ws.delete_clause(&draft_id, &clause_id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_clause_status(
    s: State<'_, Accord>,
    draft_id: DocId,
    clause_id: ClauseId,
    status: ClauseStatus,
) -> CmdResult<()> {
    Ok(s.ws
        .set_clause_status(&draft_id, &clause_id, status)
        .await?)
}
