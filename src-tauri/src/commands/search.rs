//! Full-text search over every meeting of the profile.

use tauri::State;

use crate::Accord;
use crate::dto::SearchHit;
use crate::error::CmdResult;

/// How many hits the results panel shows.
const LIMIT: usize = 50;

#[tauri::command]
#[tracing::instrument(skip(s), err(Debug))]
pub async fn search(s: State<'_, Accord>, query: String) -> CmdResult<Vec<SearchHit>> {
    super::index_current(&s.ws).await;
    Ok(s.ws
        .search(&query, LIMIT)
        .await?
        .into_iter()
        .map(SearchHit::from)
        .collect())
}
