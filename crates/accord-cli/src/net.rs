//! The commands that take part in the network: sync, status, serve — and the loading of every
//! document of every meeting, so a peer offers all of them to the others.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use accord::Workspace;
use accord::model::{DeviceId, DocId, DocKind};
use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::exec::{Host, Output};

/// The meetings of this profile.
pub async fn meeting_ids(ws: &Workspace) -> Vec<DocId> {
    ws.meetings()
        .await
        .map(|rows| rows.into_iter().map(|r| r.id).collect())
        .unwrap_or_default()
}

/// Opens every document of every meeting (samod syncs the documents it has open).
pub async fn open_all(ws: &Workspace) {
    for m in meeting_ids(ws).await {
        let Ok(view) = ws.meeting(&m).await else {
            continue;
        };
        for r in view.documents {
            let _ = match r.kind {
                DocKind::Draft => ws.draft(&r.id).await.map(drop),
                DocKind::Minutes => ws.minutes(&r.id).await.map(drop),
                DocKind::Meeting => ws.meeting(&r.id).await.map(drop),
            };
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Census {
    /// Every other valid, unrevoked device of every roster: (party, name).
    others: BTreeMap<DeviceId, (String, String)>,
    online: Vec<DeviceId>,
    behind: Vec<DeviceId>,
}

async fn census(ws: &Workspace) -> Census {
    let mut c = Census::default();
    for m in meeting_ids(ws).await {
        for p in ws.peers(&m).await.unwrap_or_default() {
            if p.is_self || p.revoked || !p.valid {
                continue;
            }
            c.others
                .insert(p.device, (p.party.clone(), p.device_name.clone()));
            if p.online && !c.online.contains(&p.device) {
                c.online.push(p.device);
            }
            if p.online && !p.up_to_date && !c.behind.contains(&p.device) {
                c.behind.push(p.device);
            }
        }
    }
    c
}

fn names(c: &Census, devices: impl IntoIterator<Item = DeviceId>) -> Vec<String> {
    devices
        .into_iter()
        .map(|d| match c.others.get(&d) {
            Some((party, name)) => format!("{party} ({name}, {})", d.short()),
            None => d.short(),
        })
        .collect()
}

/// Waits until every reachable roster peer has all changes (and we have theirs). Devices that
/// cannot be reached within the discovery window do not hold it up: it succeeds naming them.
/// It fails when none at all can be reached (naming them), or when one that can stays behind
/// until the timeout (naming it, and the unreachable ones).
pub async fn sync(ws: &Workspace, timeout: Duration, host: Host, json: bool) -> Result<Output> {
    let start = Instant::now();
    // The window for devices to come online ends well before the timeout, so that the ones
    // reached can still be seen in sync twice in a row before it: with the window at the
    // timeout, a sync with any device offline could only end in failure.
    let window = if host == Host::Peer {
        Duration::from_secs(3)
    } else {
        Duration::from_secs(10)
    }
    .min(timeout / 2);
    let mut settled_once = false;
    loop {
        open_all(ws).await;
        let c = census(ws).await;
        if c.others.is_empty() {
            ws.flush().await?;
            let v = json!({ "in_sync": true, "peers": [], "unreachable": [] });
            return Ok(Output::either(json, v, || {
                "nothing to sync: no other device is on the rosters of this profile's meetings\n"
                    .into()
            }));
        }
        let elapsed = start.elapsed();
        let in_sync = c.behind.is_empty()
            && !c.online.is_empty()
            && (c.online.len() == c.others.len() || elapsed >= window);
        // The same answer twice in a row, so a connection that has just come up and not yet
        // exchanged anything does not count as "in sync"; at the timeout, once is enough.
        if in_sync && (settled_once || elapsed >= timeout) {
            ws.flush().await?;
            return Ok(synced(&c, json));
        }
        settled_once = in_sync;
        if elapsed >= timeout {
            let unreachable = unreachable(&c);
            if c.online.is_empty() {
                bail!(
                    "none of the {} other devices of this profile's meetings could be reached within {}: {}",
                    c.others.len(),
                    seconds(timeout),
                    names(&c, unreachable).join(", ")
                );
            }
            let mut msg = format!(
                "not in sync after {} with: {}",
                seconds(timeout),
                names(&c, c.behind.iter().copied()).join(", ")
            );
            if !unreachable.is_empty() {
                let _ = write!(
                    msg,
                    "; not reachable: {}",
                    names(&c, unreachable).join(", ")
                );
            }
            bail!(msg);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The roster devices not online.
fn unreachable(c: &Census) -> Vec<DeviceId> {
    c.others
        .keys()
        .filter(|d| !c.online.contains(d))
        .copied()
        .collect()
}

/// The answer of a sync in which every reachable device has all changes.
fn synced(c: &Census, json: bool) -> Output {
    let unreachable = unreachable(c);
    let v = json!({
        "in_sync": true,
        "peers": c.online.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        "unreachable": unreachable.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
    });
    let out = Output::either(json, v, || {
        format!(
            "in sync with {}\n",
            names(c, c.online.iter().copied()).join(", ")
        )
    });
    if unreachable.is_empty() {
        out
    } else {
        out.note(format!(
            "not reachable now: {}",
            names(c, unreachable).join(", ")
        ))
    }
}

/// `10s`, `2.5s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// The network, the peers of each meeting, and whether each has all changes.
pub async fn status(ws: &Workspace, host: Host, json: bool) -> Result<Output> {
    open_all(ws).await;
    if host == Host::Alone {
        // A fresh process: give the others a moment to connect.
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            let c = census(ws).await;
            if c.behind.is_empty() && c.online.len() == c.others.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let state = ws.sync_state();
    let mut meetings = Vec::new();
    let mut text = format!(
        "device {} — network {} — {} peers connected{}\n",
        ws.device(),
        state.mode,
        state.peers_online,
        state
            .addr
            .as_deref()
            .map(|a| format!(" — address {a}"))
            .unwrap_or_default()
    );
    for m in meeting_ids(ws).await {
        let Ok(view) = ws.meeting(&m).await else {
            continue;
        };
        let peers = ws.peers(&m).await.unwrap_or_default();
        let docs = ws.doc_sync(&m).await.unwrap_or_default();
        let _ = writeln!(text, "\n{} ({m})", view.details.title);
        for d in &docs {
            let _ = writeln!(text, "  {} {}", d.kind, d.doc);
            for p in &d.peers {
                let name = peers
                    .iter()
                    .find(|x| x.device == p.device)
                    .map(|x| x.party.as_str())
                    .unwrap_or("?");
                let state = match (p.they_have_ours, p.we_have_theirs) {
                    (true, true) => "in sync",
                    (false, true) => "has not got all our changes yet",
                    (true, false) => "we have not got all its changes yet",
                    (false, false) => "syncing both ways",
                };
                let _ = writeln!(text, "      {} {name}: {state}", p.device.short());
            }
        }
        for p in &peers {
            let state = if p.is_self {
                "this device"
            } else if p.revoked {
                "revoked"
            } else if !p.valid {
                "not validly signed"
            } else if !p.online {
                "offline"
            } else if p.up_to_date {
                "has all changes of every document"
            } else {
                "syncing"
            };
            let _ = writeln!(
                text,
                "  {} {:<24} {:<8} {} — {}",
                p.device.short(),
                p.party,
                p.role,
                p.device_name,
                state
            );
        }
        meetings.push(
            json!({ "id": m, "title": view.details.title, "documents": docs, "peers": peers }),
        );
    }
    let v = json!({ "device": ws.device().to_string(), "network": state, "meetings": meetings });
    Ok(Output::either(json, v, || text))
}

/// `accord serve`: keeps the profile open and connected, answers other `accord` commands on
/// the local socket, and logs peers coming and going until Ctrl-C (or SIGTERM).
pub async fn serve(ws: Workspace, json: bool) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    open_all(&ws).await;
    // Nobody works at a serving device, but it is online in its meetings: devices that reach
    // it through a meeting's hub learn that from its presence.
    ws.set_present_in_every_meeting();
    let server = crate::local::LocalServer::start(ws.clone())
        .await
        .context("cannot open the local socket")?;
    let state = ws.sync_state();
    let settings = ws.settings();
    let log = |event: &str, v: serde_json::Value, text: String| {
        if json {
            let mut v = v;
            v["event"] = event.into();
            println!("{v}");
        } else {
            println!("{text}");
        }
    };
    log(
        "serving",
        json!({ "device": ws.device().to_string(), "dir": ws.dir(), "network": state }),
        format!(
            "serving {} as device {} ({}) — network {}{}; Ctrl-C stops",
            ws.dir().display(),
            ws.device(),
            settings.party.as_deref().unwrap_or("no party set"),
            state.mode,
            state
                .addr
                .as_deref()
                .map(|a| format!(", address {a}"))
                .unwrap_or_default()
        ),
    );
    let mut term = signal(SignalKind::terminate()).context("cannot watch for SIGTERM")?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut online: Vec<DeviceId> = Vec::new();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            _ = tick.tick() => {
                open_all(&ws).await;
                let c = census(&ws).await;
                for d in c.online.iter().filter(|d| !online.contains(d)) {
                    let (party, name) = c.others.get(d).cloned().unwrap_or_default();
                    log("peer_online", json!({ "device": d.to_string(), "party": party, "name": name }),
                        format!("peer online: {party} — {name} ({})", d.short()));
                }
                for d in online.iter().filter(|d| !c.online.contains(d)) {
                    let (party, name) = c.others.get(d).cloned().unwrap_or_default();
                    log("peer_offline", json!({ "device": d.to_string(), "party": party, "name": name }),
                        format!("peer offline: {party} — {name} ({})", d.short()));
                }
                online = c.online;
            }
        }
    }
    log("stopping", json!({}), "stopping".into());
    server.stop().await;
    ws.close()
        .await
        .context("the profile did not close cleanly")?;
    Ok(())
}

/// `accord invite --wait`: stays up (connected) until a new device is on the meeting's roster.
pub async fn wait_for_join(ws: &Workspace, meeting: &DocId) -> Result<Option<String>> {
    use tokio::signal::unix::{SignalKind, signal};
    let count = |r: &accord::model::RosterView| r.active().count();
    let before = count(&ws.roster(meeting).await?);
    let mut term = signal(SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(None),
            _ = term.recv() => return Ok(None),
            _ = tokio::time::sleep(Duration::from_millis(300)) => {
                let r = ws.roster(meeting).await?;
                if count(&r) > before {
                    let newest = r.active().max_by_key(|e| e.issued).map(|e| format!("{} ({})", e.party, e.name));
                    // Let the newcomer fetch the documents before this process goes away.
                    let _ = sync(ws, Duration::from_secs(30), Host::Peer, false).await;
                    return Ok(newest);
                }
            }
        }
    }
}
