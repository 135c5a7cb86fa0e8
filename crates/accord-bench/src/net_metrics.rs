//! Metrics across devices over iroh on loopback: latency, fan-out, many documents.

use std::time::{Duration, Instant};

use accord::NetMode;
use accord::model::{Splice, TextField};
use anyhow::Context;
use futures::future::try_join_all;

use crate::report::Row;
use crate::room::{self, Room, WAIT};

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    sorted
        .get((sorted.len() * p / 100).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
        .as_secs_f64()
        * 1e3
}

/// Round trips of one byte over one iroh bi-stream between two endpoints on loopback: the
/// network's own cost, against which Accord's keystroke latency is set.
async fn iroh_round_trips(samples: usize) -> anyhow::Result<Vec<Duration>> {
    use iroh::endpoint::{Connection, presets};
    use iroh::protocol::{AcceptError, ProtocolHandler, Router};
    use iroh::{Endpoint, RelayMode};
    const ALPN: &[u8] = b"accord-bench/echo/0";

    #[derive(Debug, Clone)]
    struct Echo;
    impl ProtocolHandler for Echo {
        async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
            let (mut send, mut recv) = conn.accept_bi().await?;
            let mut b = [0u8; 1];
            while recv.read_exact(&mut b).await.is_ok() {
                if send.write_all(&b).await.is_err() {
                    break;
                }
            }
            Ok(())
        }
    }
    let bind = || async {
        anyhow::Ok(
            Endpoint::builder(presets::Minimal)
                .relay_mode(RelayMode::Disabled)
                .clear_ip_transports()
                .bind_addr("127.0.0.1:0")?
                .bind()
                .await?,
        )
    };
    let server = bind().await?;
    let router = Router::builder(server.clone()).accept(ALPN, Echo).spawn();
    let client = bind().await?;
    let conn = client.connect(server.addr(), ALPN).await?;
    let (mut send, mut recv) = conn.open_bi().await?;
    let mut out = Vec::with_capacity(samples);
    let mut b = [0u8; 1];
    for i in 0..samples + 20 {
        let t = Instant::now();
        send.write_all(&[1]).await?;
        recv.read_exact(&mut b).await?;
        if i >= 20 {
            out.push(t.elapsed());
        }
    }
    drop((send, recv));
    conn.close(0u32.into(), b"done");
    router.shutdown().await?;
    client.close().await;
    Ok(out)
}

/// A keystroke on device A to the change in device B's event stream (what B's UI gets), over
/// iroh on loopback, vs the iroh round-trip time measured in the same run.
pub async fn latency(samples: usize) -> anyhow::Result<Vec<Row>> {
    let mut rtt = iroh_round_trips(samples).await?;
    rtt.sort();
    let room = Room::gather(1, 1).await?;
    let took = keystroke_latencies(&room, 0, samples).await?;
    room.close().await?;
    let (p50, p99) = (percentile(&took, 50), percentile(&took, 99));
    let (r50, r99) = (percentile(&rtt, 50), percentile(&rtt, 99));
    Ok(vec![
        Row::new(
            "latency_p50",
            p50,
            r50,
            "ms",
            format!("{samples} keystrokes A -> B's change event, loopback, vs iroh RTT p50"),
        ),
        Row::new(
            "latency_p99",
            p99,
            r99,
            "ms",
            format!(
                "vs iroh RTT p99; goal p99 <= 3 x RTT + 2 ms = {:.2} ms",
                3.0 * r99 + 2.0
            ),
        ),
    ])
}

/// The same in the middle of a long clause (`text`), vs the iroh round trip plus what
/// automerge itself takes to apply such a keystroke to such a text: automerge 0.12's apply
/// of a change walks the text it lands in, so that part follows the text's length whoever
/// syncs; what Accord adds to it must not.
pub async fn latency_long(samples: usize, text: &str) -> anyhow::Result<Vec<Row>> {
    let chars = text.chars().count();
    let middle: usize = text.chars().take(chars / 2).map(char::len_utf16).sum();
    let mut rtt = iroh_round_trips(samples).await?;
    rtt.sort();
    let applies = automerge_applies(text, middle, samples.min(100))?;
    let room = Room::gather(1, 1).await?;
    room.host
        .splice(
            &room.draft,
            &TextField::Clause(room.clause.clone()),
            &Splice::insert(0, text),
        )
        .await?;
    room.settle_all().await?;
    let took = keystroke_latencies(&room, middle, samples).await?;
    room.close().await?;
    let (p50, p99) = (percentile(&took, 50), percentile(&took, 99));
    let base50 = percentile(&rtt, 50) + percentile(&applies, 50);
    let base99 = percentile(&rtt, 99) + percentile(&applies, 99);
    Ok(vec![
        Row::new(
            "latency_long_p50",
            p50,
            base50,
            "ms",
            format!(
                "{samples} keystrokes A -> B's event in a clause of {chars} characters vs iroh RTT + automerge's own apply, p50"
            ),
        ),
        Row::new("latency_long_p99", p99, base99, "ms", "the same, p99"),
    ])
}

/// Keystrokes typed by the room's host at `at` in its clause, each until the first guest's
/// event shows it: the times, sorted, after 20 to warm up.
async fn keystroke_latencies(
    room: &Room,
    at: usize,
    samples: usize,
) -> anyhow::Result<Vec<Duration>> {
    let (a, b) = (&room.host, &room.guests[0]);
    let target = TextField::Clause(room.clause.clone());
    let mut events = b.subscribe();
    let mut took = Vec::with_capacity(samples);
    for i in 0..samples + 20 {
        let t = Instant::now();
        a.splice(&room.draft, &target, &Splice::insert(at + i, "x"))
            .await?;
        let seen = room::until_typed(&mut events, &room.draft, &target, at + i).await?;
        if i >= 20 {
            took.push(seen - t);
        }
    }
    took.sort();
    Ok(took)
}

/// How long automerge takes to apply one peer's keystroke at `at` in `text` (typed in one
/// change, as `latency_long` does): `samples` times, sorted.
fn automerge_applies(text: &str, at: usize, samples: usize) -> anyhow::Result<Vec<Duration>> {
    use automerge::{Automerge, ObjType, ROOT, transaction::Transactable};
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let obj = tx.put_object(ROOT, "text", ObjType::Text)?;
    tx.splice_text(&obj, 0, 0, text)?;
    tx.commit();
    let mut peer = doc.fork();
    let mut took = Vec::with_capacity(samples);
    for i in 0..samples {
        let before = peer.get_heads();
        let mut tx = peer.transaction();
        tx.splice_text(&obj, at + i, 0, "x")?;
        tx.commit();
        let change = peer.get_changes(&before);
        let t = Instant::now();
        doc.apply_changes(change)?;
        took.push(t.elapsed());
    }
    took.sort();
    Ok(took)
}

/// One typist and `n` other devices: the median time, over `rounds` keystrokes, until every
/// device has the change.
async fn fanout_time(n: usize, rounds: usize) -> anyhow::Result<f64> {
    let room = Room::gather(n, 1).await?;
    let target = TextField::Clause(room.clause.clone());
    let mut streams: Vec<_> = room.guests.iter().map(|g| g.subscribe()).collect();
    let mut took = Vec::with_capacity(rounds);
    for i in 0..rounds + 3 {
        let t = Instant::now();
        room.host
            .splice(&room.draft, &target, &Splice::insert(i, "x"))
            .await?;
        let arrivals = try_join_all(
            streams
                .iter_mut()
                .map(|ev| room::until_typed(ev, &room.draft, &target, i)),
        )
        .await?;
        let last = arrivals.into_iter().max().context("no guests")?;
        if i >= 3 {
            took.push(last - t);
        }
    }
    room.close().await?;
    took.sort();
    Ok(percentile(&took, 50))
}

/// Fan-out: one typist and 10, then 30 devices vs one device (goal <= 3x at 30).
pub async fn fanout(sizes: &[usize], rounds: usize) -> anyhow::Result<Vec<Row>> {
    let one = fanout_time(1, rounds).await?;
    let mut rows = Vec::new();
    for &n in sizes {
        let t = fanout_time(n, rounds).await?;
        rows.push(Row::new(
            format!("fanout_{n}"),
            t,
            one,
            "ms",
            format!(
                "median over {rounds} keystrokes until all {n} devices have it vs 1 device (goal <= 3x at 30)"
            ),
        ));
    }
    Ok(rows)
}

/// What one reconnection of the guest cost: time from the sync connection coming up until the
/// last byte moved, and the sync bytes both ways.
async fn reconcile(room: &mut Room, changed: usize) -> anyhow::Result<(f64, u64)> {
    let dir = room.guests[0].dir().to_path_buf();
    let guest = room.guests.pop().context("a guest")?;
    guest.close().await?;
    let drafts: Vec<_> = room
        .host
        .meeting(&room.meeting)
        .await?
        .drafts()
        .cloned()
        .collect();
    for d in drafts.iter().take(changed) {
        room.host
            .splice(d, &TextField::Title, &Splice::insert(0, "x"))
            .await?;
    }
    let mut host_events = room.host.subscribe();
    let before = room.host.traffic();
    let guest = room::open(&dir, NetMode::Loopback).await?;
    room::until_peer_up(&mut host_events, guest.device()).await?;
    let t0 = Instant::now();
    for d in drafts.iter().take(changed) {
        let want = room.host.heads(d).await?;
        room::wait_until(WAIT, || async {
            guest.heads(d).await.ok().as_ref() == Some(&want)
        })
        .await?;
    }
    // Then until the traffic stops: the sync of what did not change counts too.
    let quiet = Duration::from_millis(500);
    let mut last = (room.host.traffic().sent_bytes, guest.traffic().sent_bytes);
    let mut last_move = Instant::now();
    while last_move.elapsed() < quiet {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = (room.host.traffic().sent_bytes, guest.traffic().sent_bytes);
        if now != last {
            last = now;
            last_move = Instant::now();
        }
    }
    let took = (last_move - t0).as_secs_f64();
    let bytes = (last.0 - before.sent_bytes) + last.1;
    // The guest's counters started at zero with the reopened profile.
    room.guests.push(guest);
    Ok((took, bytes))
}

/// Many documents: `n` drafts in sync between two devices, then one changes: the time and
/// bytes to reconcile vs the same with all `n` changed (goal <= 5 %).
pub async fn many_docs(n: usize) -> anyhow::Result<Vec<Row>> {
    let mut room = Room::gather(1, n).await?;
    let (one_t, one_b) = reconcile(&mut room, 1).await?;
    let (all_t, all_b) = reconcile(&mut room, n).await?;
    room.close().await?;
    Ok(vec![
        Row::new(
            format!("many_docs_{n}_time"),
            one_t,
            all_t,
            "s",
            format!(
                "{n} drafts in sync, one changed vs all changed: reconnect to quiet (goal <= 0.05x)"
            ),
        ),
        Row::new(
            format!("many_docs_{n}_bytes"),
            one_b as f64,
            all_b as f64,
            "bytes",
            "sync bytes both ways, one changed vs all changed (goal <= 0.05x)",
        ),
    ])
}
