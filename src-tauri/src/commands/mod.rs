//! The Tauri commands, one module per area of the UI's contract (`ui/README.md`). Each is a
//! one-to-three-line delegation to the `accord` API; shapes that differ are in `crate::dto`.

pub mod actions;
pub mod drafts;
pub mod live;
pub mod meetings;
pub mod minutes;
pub mod reports;
pub mod search;
pub mod settings;
pub mod sharing;

use std::time::Duration;

/// Lists and search read the query index, which follows edits a moment later. A view that
/// re-reads a list right after a change (the meeting list after "Create") must see it, so
/// these commands wait for the index first — at most briefly: a stale list beats none.
async fn index_current(ws: &accord::Workspace) {
    const AT_MOST: Duration = Duration::from_secs(2);
    if let Ok(Err(e)) = tokio::time::timeout(AT_MOST, ws.index_settled()).await {
        tracing::warn!(error = %e, "index not settled");
    }
}
