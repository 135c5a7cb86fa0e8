//! Helpers shared by the multi-device tests: profiles opened on loopback, bounded waits.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use accord::model::{ClauseId, DocId};
use accord::{NetMode, OpenOptions, SettingsPatch, Workspace};

/// The bound on every wait.
pub const WAIT: Duration = Duration::from_secs(30);

/// Opens a profile with the given network mode (no settings changed).
pub async fn reopen(dir: &Path, net: NetMode) -> Workspace {
    tokio::time::timeout(
        WAIT,
        Workspace::open_with(dir, OpenOptions::default().with_net(net)),
    )
    .await
    .expect("open in time")
    .expect("open")
}

/// A device on loopback, of `party`.
pub async fn device(dir: &Path, party: &str) -> Workspace {
    let ws = reopen(dir, NetMode::Loopback).await;
    ws.set_settings(SettingsPatch {
        party: Some(party.into()),
        device_name: Some(format!("{party} laptop")),
        ..Default::default()
    })
    .unwrap();
    ws
}

/// Polls until `f` holds (with a timeout around the whole wait).
pub async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !f().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn clause_text(ws: &Workspace, draft: &DocId, c: &ClauseId) -> Option<String> {
    ws.draft(draft).await.ok()?.find(c).map(|c| c.text.clone())
}
