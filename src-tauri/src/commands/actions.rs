//! Action items: add, status, due date, owners, and the cross-meeting list.

use accord::model::{ActionId, ActionStatus, DocId, NewAction, PartyId, jiff::civil::Date};
use tauri::State;

use crate::Accord;
use crate::dto::{ActionFilter, ActionRow};
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn add_action(
    s: State<'_, Accord>,
    meeting_id: DocId,
    action: NewAction,
) -> CmdResult<ActionId> {
    Ok(s.ws.add_action(&meeting_id, &action).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_action_status(
    s: State<'_, Accord>,
    meeting_id: DocId,
    action_id: ActionId,
    status: ActionStatus,
) -> CmdResult<()> {
    Ok(s.ws
        .set_action_status(&meeting_id, &action_id, status)
        .await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_action_due(
    s: State<'_, Accord>,
    meeting_id: DocId,
    action_id: ActionId,
    due: Option<Date>,
) -> CmdResult<()> {
    Ok(s.ws.set_action_due(&meeting_id, &action_id, due).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn set_action_owners(
    s: State<'_, Accord>,
    meeting_id: DocId,
    action_id: ActionId,
    owners: Vec<PartyId>,
) -> CmdResult<()> {
    Ok(s.ws
        .set_action_owners(&meeting_id, &action_id, &owners)
        .await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn list_actions(
    s: State<'_, Accord>,
    filter: Option<ActionFilter>,
) -> CmdResult<Vec<ActionRow>> {
    super::index_current(&s.ws).await;
    Ok(s.ws
        .actions(&filter.unwrap_or_default().into())
        .await?
        .into_iter()
        .map(ActionRow::from)
        .collect())
}
