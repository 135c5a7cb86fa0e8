//! Hooks for the benchmark harness: storing and opening documents that are not Accord
//! documents (the standard Automerge data sets), through exactly the path a workspace uses.
//! Not part of the API faces use.

use std::path::Path;

use accord_model::automerge::{Automerge, ReadDoc};

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// Stores `bytes` (a saved Automerge document) in the profile at `dir`; returns its id.
pub async fn import_raw(dir: &Path, bytes: &[u8]) -> Result<String> {
    let ws = Workspace::open(dir).await?;
    let doc = Automerge::load(bytes).map_err(|e| {
        Error::invalid(
            "automerge document",
            format!("{} bytes", bytes.len()),
            e.to_string(),
        )
    })?;
    let handle = ws.inner.repo.create(doc).await.map_err(|_| Error::Closed)?;
    let id = handle.document_id().to_string();
    // samod writes a new document after `create` returns; closing once it is stored rests it
    // as one piece, as any document is after the session that received it.
    for _ in 0..1000 {
        if ws.inner.store.document_bytes(&id)?.1 > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    ws.close().await?;
    Ok(id)
}

/// Opens the profile, loads the document and returns how many heads it has, with the
/// workspace (close it outside the timing).
pub async fn open_raw(dir: &Path, id: &str) -> Result<(usize, Workspace)> {
    let ws = Workspace::open(dir).await?;
    let samod_id = id
        .parse()
        .map_err(|_| Error::invalid("document id", id, "not a samod id"))?;
    let handle = ws
        .inner
        .repo
        .find(samod_id)
        .await
        .map_err(|_| Error::Closed)?;
    let handle = handle.ok_or_else(|| Error::invalid("document id", id, "not in the profile"))?;
    let heads = handle.with_document(|d| d.get_heads().len());
    Ok((heads, ws))
}

/// Applies `changes` (made by the harness on a copy of the document) as this device's own
/// edits: the path of [`Workspace::splice`] from the change on (durable write, patches,
/// event, sync), for replaying recorded concurrent traces whose positions are relative to
/// an earlier state.
pub async fn apply_changes(
    ws: &Workspace,
    doc: &accord_model::DocId,
    changes: Vec<automerge::Change>,
) -> Result<()> {
    ws.apply_changes(doc, changes).await
}

/// Whether the profile's copy of `doc` holds every change in `hashes`.
pub async fn has_changes(
    ws: &Workspace,
    doc: &accord_model::DocId,
    hashes: &[automerge::ChangeHash],
) -> Result<bool> {
    let d = ws.doc(doc).await?;
    Ok(d.handle
        .with_document(|d| hashes.iter().all(|h| d.get_change_by_hash(h).is_some())))
}

/// A copy of the profile's `doc`, for a test or the harness to make changes on as another
/// (possibly modified) client would, then hand to [`apply_changes`].
pub async fn fork(ws: &Workspace, doc: &accord_model::DocId) -> Result<Automerge> {
    let d = ws.doc(doc).await?;
    Ok(d.handle.with_document(|d| d.fork()))
}
