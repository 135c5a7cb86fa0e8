//! Document subscriptions: one task per open document that forwards the workspace's events
//! for that document — its patches, and the presence of its meeting — into the IPC channel
//! the webview handed over, until `unsubscribe` or until the webview is gone.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use accord::model::{DocId, DocKind, DocPatch};
use accord::{Event, Origin, Workspace};
use tauri::async_runtime::JoinHandle;
use tauri::ipc::Channel;
use tokio::sync::broadcast::error::RecvError;

use crate::dto::DocEvent;

/// The open subscriptions of the app, by the id handed to the webview.
#[derive(Debug, Default)]
pub struct Subscriptions {
    next: AtomicU32,
    tasks: Mutex<HashMap<u32, JoinHandle<()>>>,
}

impl Subscriptions {
    /// Starts forwarding `doc`'s events into `channel`; the current presence of its meeting
    /// goes out first, so remote cursors show at once.
    pub async fn subscribe(
        &self,
        ws: &Workspace,
        doc: DocId,
        channel: Channel<DocEvent>,
    ) -> accord::Result<u32> {
        let meeting = meeting_of(ws, &doc).await?;
        let events = ws.subscribe(); // before the snapshot, so nothing falls between
        let present = ws.present(&meeting);
        if !present.is_empty() {
            let _ = channel.send(DocEvent::presence(present));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let task = tauri::async_runtime::spawn(forward(events, doc, meeting, channel));
        self.tasks
            .lock()
            .expect("subscriptions lock")
            .insert(id, task);
        Ok(id)
    }

    /// Stops a subscription; an unknown id is not an error (the webview may have reloaded).
    pub fn unsubscribe(&self, id: u32) {
        if let Some(task) = self.tasks.lock().expect("subscriptions lock").remove(&id) {
            task.abort();
        }
    }

    /// Stops every subscription (on exit).
    pub fn clear(&self) {
        for (_, task) in self.tasks.lock().expect("subscriptions lock").drain() {
            task.abort();
        }
    }

    pub fn len(&self) -> usize {
        self.tasks.lock().expect("subscriptions lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[tracing::instrument(skip_all, fields(doc = %doc))]
async fn forward(
    mut events: tokio::sync::broadcast::Receiver<Event>,
    doc: DocId,
    meeting: DocId,
    channel: Channel<DocEvent>,
) {
    loop {
        let out = match events.recv().await {
            Ok(Event::DocChanged {
                doc: d,
                origin,
                patches,
                version,
                tag,
                ..
            }) if d == doc => DocEvent::Patches {
                origin,
                patches,
                version: Some(version),
                tag,
            },
            Ok(Event::Presence { meeting: m, peers }) if m == meeting => DocEvent::presence(peers),
            Ok(_) => continue,
            Err(RecvError::Lagged(n)) => {
                // Patches were lost: have the view re-read the document instead.
                tracing::warn!(
                    skipped = n,
                    "subscriber fell behind; asking the view to re-read"
                );
                DocEvent::Patches {
                    origin: Origin::Remote,
                    patches: vec![DocPatch::Structure, DocPatch::Details],
                    version: None,
                    tag: None,
                }
            }
            Err(RecvError::Closed) => return,
        };
        if channel.send(out).is_err() {
            tracing::debug!("channel closed; subscription ends");
            return;
        }
    }
}

/// The meeting a document belongs to (itself for a meeting document); also checks that the
/// document exists.
// The API has no public `meeting_of(doc)` yet; the views carry the same fact.
async fn meeting_of(ws: &Workspace, doc: &DocId) -> accord::Result<DocId> {
    match ws.draft(doc).await {
        Ok(d) => Ok(d.meeting),
        Err(accord::Error::WrongKind {
            found: DocKind::Minutes,
            ..
        }) => Ok(ws.minutes(doc).await?.meeting),
        Err(accord::Error::WrongKind {
            found: DocKind::Meeting,
            ..
        }) => Ok(doc.clone()),
        Err(e) => Err(e),
    }
}
