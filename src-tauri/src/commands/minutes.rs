//! Minutes: one Markdown text per meeting (edited through `splice`, see `live`).

use accord::model::{DocId, MinutesView};
use tauri::State;

use crate::Accord;
use crate::error::CmdResult;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn get_minutes(s: State<'_, Accord>, doc_id: DocId) -> CmdResult<MinutesView> {
    Ok(s.ws.minutes(&doc_id).await?)
}
