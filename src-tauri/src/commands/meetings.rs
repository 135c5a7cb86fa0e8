//! Meetings: the list, create (and the demo), details, parties.

use accord::MeetingFull;
use accord::model::{DocId, MeetingDetails, Party};
use tauri::State;

use crate::Accord;
use crate::dto::MeetingSummary;
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn list_meetings(s: State<'_, Accord>) -> CmdResult<Vec<MeetingSummary>> {
    super::index_current(&s.ws).await;
    Ok(s.ws
        .meetings()
        .await?
        .into_iter()
        .map(MeetingSummary::from)
        .collect())
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn create_meeting(s: State<'_, Accord>, details: MeetingDetails) -> CmdResult<DocId> {
    Ok(s.ws.create_meeting(&details, &[]).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn create_demo(s: State<'_, Accord>) -> CmdResult<DocId> {
    Ok(s.ws.create_demo().await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn get_meeting(s: State<'_, Accord>, id: DocId) -> CmdResult<MeetingFull> {
    Ok(s.ws.meeting_full(&id).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn update_meeting(
    s: State<'_, Accord>,
    id: DocId,
    details: MeetingDetails,
) -> CmdResult<()> {
    Ok(s.ws.update_meeting(&id, &details).await?)
}

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn put_party(s: State<'_, Accord>, meeting_id: DocId, party: Party) -> CmdResult<()> {
    Ok(s.ws.put_party(&meeting_id, &party).await?)
}
