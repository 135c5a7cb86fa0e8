//! The concurrent trace: two devices replay `conc_friendsforever` over iroh on loopback, each
//! typing its own agent's transactions in their recorded order, vs the sequential replay of
//! `seq_friendsforever_flat` on one device.
//!
//! A transaction's positions are relative to the state after its `parents`, not to whatever
//! a device holds when it replays it. So the harness first turns every transaction into the
//! automerge change it would have made (on a copy of the shared minutes, with the agent's
//! earlier changes and exactly the other agent's changes it had seen); during the timed run
//! each device waits until it holds a transaction's parents, as the typist did, then applies
//! that change through the workspace's edit path (durable write, patches, event, sync).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use accord::bench_support;
use accord::model::{DocId, Splice, TextField};
use accord::{NetMode, Workspace};
use anyhow::{Context, bail};
use automerge::{ActorId, Automerge, Change, ChangeHash, ROOT, ReadDoc, transaction::Transactable};

use crate::data::Trace;
use crate::report::Row;
use crate::room::{self, Room, WAIT};

#[derive(Debug)]
struct Txn {
    parents: Vec<usize>,
    agent: usize,
    patches: Vec<(usize, usize, String)>,
}

fn load(path: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Txn>> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut json)
        .with_context(|| format!("gunzip {}", path.display()))?;
    let v: serde_json::Value = serde_json::from_slice(&json)?;
    let mut out = Vec::new();
    for t in v["txns"].as_array().context("no txns")? {
        let parents = t["parents"]
            .as_array()
            .context("parents")?
            .iter()
            .map(|p| p.as_u64().map(|p| p as usize).context("parent"))
            .collect::<anyhow::Result<_>>()?;
        let mut patches = Vec::new();
        for p in t["patches"].as_array().context("patches")? {
            patches.push((
                p[0].as_u64().context("pos")? as usize,
                p[1].as_u64().context("del")? as usize,
                p[2].as_str().context("ins")?.to_string(),
            ));
        }
        out.push(Txn {
            parents,
            agent: t["agent"].as_u64().context("agent")? as usize,
            patches,
        });
    }
    if let Some(n) = limit {
        out.truncate(n); // parents always come earlier, so a prefix is a closed history
    }
    if out.iter().any(|t| t.agent > 1) {
        bail!("the concurrent trace has more than two agents");
    }
    Ok(out)
}

/// The change each transaction makes, built on copies of `base` (the minutes as both devices
/// hold them): one copy per agent, which merges the other agent's changes only when a
/// transaction names them among its ancestors.
fn changes_of(base: &[u8], txns: &[Txn]) -> anyhow::Result<(Vec<Change>, String)> {
    let mut docs = [Automerge::load(base)?, Automerge::load(base)?];
    for d in &mut docs {
        d.set_actor(ActorId::random());
    }
    let (_, text) = docs[0].get(ROOT, "text")?.context("minutes text")?;
    if docs[0].length(&text) != 0 {
        bail!("the replay starts from empty minutes");
    }
    let mut have: [HashSet<usize>; 2] = Default::default();
    let mut changes: Vec<Change> = Vec::with_capacity(txns.len());
    for (i, t) in txns.iter().enumerate() {
        let k = t.agent;
        // Every ancestor this copy lacks, oldest first (parents precede their children).
        let mut missing = Vec::new();
        let mut stack: Vec<usize> = t.parents.clone();
        while let Some(p) = stack.pop() {
            if have[k].insert(p) {
                missing.push(p);
                stack.extend(txns[p].parents.iter().copied());
            }
        }
        missing.sort_unstable();
        docs[k].apply_changes(missing.iter().map(|&p| changes[p].clone()))?;
        let r = docs[k].transact::<_, _, automerge::AutomergeError>(|tx| {
            for (pos, del, ins) in &t.patches {
                tx.splice_text(&text, *pos, *del as isize, ins)?;
            }
            Ok(())
        });
        let hash = r
            .map_err(|f| anyhow::anyhow!("transaction {i} does not apply: {}", f.error))?
            .hash
            .with_context(|| format!("transaction {i} changed nothing"))?;
        have[k].insert(i);
        changes.push(
            docs[k]
                .get_change_by_hash(&hash)
                .context("the change just made")?
                .clone(),
        );
    }
    let mut all = Automerge::load(base)?;
    all.apply_changes(changes.iter().cloned())?;
    let end = all.text(&text)?;
    Ok((changes, end))
}

/// One device typing its agent's transactions in order, each once its parents are here.
async fn typist(
    ws: &Workspace,
    minutes: &DocId,
    txns: &[Txn],
    changes: &[Change],
    agent: usize,
) -> anyhow::Result<()> {
    let mut events = ws.subscribe();
    for (i, t) in txns.iter().enumerate().filter(|(_, t)| t.agent == agent) {
        let deps: Vec<ChangeHash> = t.parents.iter().map(|&p| changes[p].hash()).collect();
        let deadline = tokio::time::Instant::now() + WAIT;
        while !bench_support::has_changes(ws, minutes, &deps).await? {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Err(_) => bail!("transaction {i}: its parents never arrived"),
                Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => bail!("closed"),
                Ok(_) => {}
            }
        }
        bench_support::apply_changes(ws, minutes, vec![changes[i].clone()]).await?;
    }
    Ok(())
}

pub async fn concurrent_trace(shared: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Row>> {
    let txns = load(
        &shared.join("editing-traces/conc_friendsforever.json.gz"),
        limit,
    )?;
    let room = Room::gather(1, 1).await?;
    let minutes = room.host.minutes_of(&room.meeting).await?;
    let base = room.host.saved_bytes(&minutes).await?;
    let (changes, end) = changes_of(&base, &txns)?;
    let (a, b) = (&room.host, &room.guests[0]);

    let t0 = Instant::now();
    let (ra, rb) = tokio::join!(
        typist(a, &minutes, &txns, &changes, 0),
        typist(b, &minutes, &txns, &changes, 1)
    );
    ra?;
    rb?;
    let want = a.heads(&minutes).await?;
    let mut events = b.subscribe();
    room::until_heads(b, &mut events, &minutes, &want).await?;
    let took = t0.elapsed().as_secs_f64();
    let (ta, tb) = (
        a.minutes(&minutes).await?.text,
        b.minutes(&minutes).await?.text,
    );
    if ta != tb || ta != end {
        bail!("the two devices ended with different minutes");
    }
    room.close().await?;

    // Baseline: the same typing as one sequential trace on one device.
    let mut seq = Trace::load(&shared.join("editing-traces/seq_friendsforever_flat.json.gz"))?;
    if let Some(n) = limit {
        seq.truncate(n);
    }
    let dir = tempfile::tempdir()?;
    let ws = room::open(dir.path(), NetMode::Off).await?;
    let meeting = ws
        .create_meeting(&accord::model::MeetingDetails::titled("Sequential"), &[])
        .await?;
    let m = ws.minutes_of(&meeting).await?;
    let t0 = Instant::now();
    for e in &seq.edits {
        ws.splice(
            &m,
            &TextField::Minutes,
            &Splice::new(e.pos, e.del, e.ins.clone()),
        )
        .await?;
    }
    ws.flush().await?;
    let seq_took = t0.elapsed().as_secs_f64();
    ws.close().await?;
    Ok(vec![Row::new(
        "concurrent_trace",
        took,
        seq_took,
        "s",
        format!(
            "{} transactions by two devices over loopback, converged vs {} edits on one device",
            txns.len(),
            seq.edits.len()
        ),
    )])
}
