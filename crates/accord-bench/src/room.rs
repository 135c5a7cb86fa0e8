//! A meeting room on loopback: a host device founds a meeting with a draft and one clause,
//! guests join it by ticket, and everyone has the draft before a metric starts.

use std::time::{Duration, Instant};

use accord::model::{ClauseId, DocId, DocPatch, MeetingDetails, Placement, Role, TextField};
use accord::{Event, NetMode, OpenOptions, Origin, Workspace};
use anyhow::{Context, bail};
use automerge::ChangeHash;
use tempfile::TempDir;
use tokio::sync::broadcast;

/// Every wait in a metric is bounded by this.
pub const WAIT: Duration = Duration::from_secs(120);

#[derive(Debug)]
pub struct Room {
    pub host: Workspace,
    pub guests: Vec<Workspace>,
    pub meeting: DocId,
    pub draft: DocId,
    pub clause: ClauseId,
    // Dropped last: the profiles of every device.
    _dirs: Vec<TempDir>,
}

pub async fn open(dir: &std::path::Path, net: NetMode) -> anyhow::Result<Workspace> {
    Ok(Workspace::open_with(dir, OpenOptions::default().with_net(net)).await?)
}

impl Room {
    /// A host and `guests` devices on loopback, all holding the meeting's draft.
    pub async fn gather(guests: usize, drafts: usize) -> anyhow::Result<Room> {
        let mut dirs = vec![tempfile::tempdir()?];
        let host = open(dirs[0].path(), NetMode::Loopback).await?;
        let meeting = host
            .create_meeting(&MeetingDetails::titled("Benchmark room"), &[])
            .await?;
        let draft = host.create_draft(&meeting, "Draft", "").await?;
        let clause = host
            .insert_clause(&draft, &Placement::top_end(), "")
            .await?;
        for i in 1..drafts {
            host.create_draft(&meeting, &format!("Draft {i}"), "")
                .await?;
        }
        let mut room = Room {
            host,
            guests: Vec::new(),
            meeting,
            draft,
            clause,
            _dirs: Vec::new(),
        };
        for i in 0..guests {
            let dir = tempfile::tempdir()?;
            let ws = open(dir.path(), NetMode::Loopback).await?;
            dirs.push(dir);
            let inv = room
                .host
                .invite(
                    &room.meeting,
                    &format!("Delegation {i}"),
                    Role::Member,
                    Duration::from_secs(3600),
                )
                .await?;
            tokio::time::timeout(WAIT, ws.join(&inv.ticket))
                .await
                .context("join timed out")??;
            room.guests.push(ws);
        }
        room._dirs = dirs;
        room.settle_all().await?;
        Ok(room)
    }

    /// Waits until every guest has the host's heads of every document of the meeting.
    pub async fn settle_all(&self) -> anyhow::Result<()> {
        let mut docs = vec![self.meeting.clone()];
        docs.extend(self.host.meeting(&self.meeting).await?.drafts().cloned());
        for d in &docs {
            for g in &self.guests {
                // Both sides' current heads: a guest may still be writing (its addresses
                // into the roster, say) while it catches up.
                wait_until(WAIT, || async {
                    let h = self.host.heads(d).await.ok();
                    h.is_some() && g.heads(d).await.ok() == h
                })
                .await
                .with_context(|| format!("a guest never caught up on document {d}"))?;
            }
        }
        Ok(())
    }

    pub async fn close(self) -> anyhow::Result<()> {
        for g in self.guests {
            g.close().await?;
        }
        self.host.close().await?;
        Ok(())
    }
}

/// Waits until `ws` holds `want` as the heads of `doc`, woken by its change events (so the
/// time measured is the time the UI would learn of the change, not a polling interval).
pub async fn until_heads(
    ws: &Workspace,
    events: &mut broadcast::Receiver<Event>,
    doc: &DocId,
    want: &[ChangeHash],
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if ws.heads(doc).await? == want {
            return Ok(Instant::now());
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => bail!("document {doc} did not reach the expected heads in {WAIT:?}"),
            Ok(Err(broadcast::error::RecvError::Closed)) => bail!("workspace closed"),
            // A lagged receiver re-checks the heads; any other event too.
            Ok(_) => {}
        }
    }
}

/// Waits until `events` shows the keystroke typed at `at` (UTF-16) in `target` of `doc`
/// arriving from elsewhere: the view event a device's UI gets, read as the UI reads it,
/// with no step of the document to look at its heads.
pub async fn until_typed(
    events: &mut broadcast::Receiver<Event>,
    doc: &DocId,
    target: &TextField,
    at: usize,
) -> anyhow::Result<Instant> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => bail!("the keystroke at {at} in document {doc} did not arrive in {WAIT:?}"),
            Ok(Err(broadcast::error::RecvError::Closed)) => bail!("workspace closed"),
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                bail!("{n} events were missed while waiting for the keystroke at {at}")
            }
            Ok(Ok(Event::DocChanged {
                doc: d,
                origin: Origin::Remote,
                patches,
                ..
            })) if &d == doc
                && patches.iter().any(|p| {
                    matches!(p, DocPatch::Splice { target: t, index, insert, .. }
                        if t == target && *index <= at && at < index + insert.encode_utf16().count())
                }) =>
            {
                return Ok(Instant::now());
            }
            Ok(Ok(_)) => {}
        }
    }
}

pub async fn wait_until<F, Fut>(limit: Duration, mut f: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !f().await {
        if Instant::now() > deadline {
            bail!("timed out after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Waits until `a` and `b` hold the same heads of `doc`, looking each time either reports a
/// change to it (and every 50 ms besides): reading the heads is a step of the document, and
/// polling often would add steps to the sync being timed.
pub async fn until_same_heads(
    a: &Workspace,
    b: &Workspace,
    doc: &DocId,
    limit: Duration,
) -> anyhow::Result<()> {
    let (mut ea, mut eb) = (a.subscribe(), b.subscribe());
    let deadline = Instant::now() + limit;
    let is = |e: Result<Event, broadcast::error::RecvError>| match e {
        Ok(Event::DocChanged { doc: d, .. }) => &d == doc,
        Ok(_) => false,
        Err(_) => true, // lagged or closed: look again
    };
    loop {
        if b.heads(doc).await.ok() == a.heads(doc).await.ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("timed out after {limit:?}");
        }
        let tick = tokio::time::sleep(Duration::from_millis(50));
        tokio::pin!(tick);
        loop {
            tokio::select! {
                e = ea.recv() => if is(e) { break },
                e = eb.recv() => if is(e) { break },
                _ = &mut tick => break,
            }
        }
    }
}

/// Waits until `ws` reports `device` up (sync connection open).
pub async fn until_peer_up(
    events: &mut broadcast::Receiver<Event>,
    device: accord::model::DeviceId,
) -> anyhow::Result<()> {
    tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await {
                Ok(Event::PeerUp { device: d }) if d == device => return Ok(()),
                Err(broadcast::error::RecvError::Closed) => bail!("workspace closed"),
                _ => {}
            }
        }
    })
    .await
    .context("the peer never came up")?
}
