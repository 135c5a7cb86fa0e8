//! Live sync connections per peer: status, up/down events, and the one-connection-per-pair rule.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

use iroh::{EndpointId, endpoint::Connection};
use tokio::sync::{broadcast, watch};

/// Who opened a sync connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// We dialled the peer.
    Outbound,
    /// The peer dialled us.
    Inbound,
}

/// How the bytes of a connection currently travel, as far as iroh tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    /// A direct UDP path (LAN or hole-punched).
    Direct,
    /// Through a relay server.
    Relay,
    /// No path is selected right now (or iroh does not say).
    Unknown,
}

/// One connected peer, as [`crate::Net::peers`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStatus {
    /// The peer's endpoint id (authenticated).
    pub id: EndpointId,
    /// When the oldest of its live sync connections was opened.
    pub since: SystemTime,
    /// The path of that connection.
    pub kind: ConnectionKind,
    /// How many sync connections are open to it (normally 1).
    pub connections: usize,
}

/// A peer came up (its first sync connection opened) or went down (its last one closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerEvent {
    Up(EndpointId),
    Down(EndpointId),
}

/// What to do with an inbound sync connection, given what we already have with that peer.
///
/// The rule that keeps one connection per pair: when both devices want each other, the
/// connection dialled by the device with the **smaller** endpoint id is the one to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InboundDecision {
    Accept,
    /// Accept, and close our own outbound connection(s): theirs is the preferred one.
    AcceptAndCloseOutbound,
    /// Refuse: we are the preferred dialler and our outbound connection is up.
    RefuseDuplicate,
}

pub(crate) fn inbound_decision(
    me: EndpointId,
    peer: EndpointId,
    have_outbound: bool,
) -> InboundDecision {
    match (peer < me, have_outbound) {
        (true, true) => InboundDecision::AcceptAndCloseOutbound,
        (false, true) => InboundDecision::RefuseDuplicate,
        (_, false) => InboundDecision::Accept,
    }
}

/// Whether our dialer to `peer` should hold back: the peer with the smaller id dials.
pub(crate) fn should_defer_dial(me: EndpointId, peer: EndpointId) -> bool {
    peer < me
}

struct Live {
    id: u64,
    dir: Direction,
    conn: Connection,
    since: SystemTime,
}

/// The table of live sync connections.
pub(crate) struct Peers {
    live: Mutex<HashMap<EndpointId, Vec<Live>>>,
    next_id: AtomicU64,
    events: broadcast::Sender<PeerEvent>,
    /// Bumped on every change, so waiters (deferred dialers) can wake up.
    changed: watch::Sender<u64>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peers").finish_non_exhaustive()
    }
}

impl Peers {
    pub(crate) fn new() -> Self {
        Peers {
            live: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            events: broadcast::channel(256).0,
            changed: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<EndpointId, Vec<Live>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a live connection; returns its token for [`Peers::remove`].
    pub(crate) fn add(&self, dir: Direction, conn: Connection) -> u64 {
        let peer = conn.remote_id();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let first = {
            let mut live = self.lock();
            let list = live.entry(peer).or_default();
            list.push(Live {
                id,
                dir,
                conn,
                since: SystemTime::now(),
            });
            list.len() == 1
        };
        if first {
            let _ = self.events.send(PeerEvent::Up(peer));
        }
        self.changed.send_modify(|n| *n += 1);
        id
    }

    pub(crate) fn remove(&self, peer: EndpointId, token: u64) {
        let last = {
            let mut live = self.lock();
            let Some(list) = live.get_mut(&peer) else {
                return;
            };
            let before = list.len();
            list.retain(|l| l.id != token);
            if list.len() == before {
                return;
            }
            let empty = list.is_empty();
            if empty {
                live.remove(&peer);
            }
            empty
        };
        if last {
            let _ = self.events.send(PeerEvent::Down(peer));
        }
        self.changed.send_modify(|n| *n += 1);
    }

    pub(crate) fn has(&self, peer: EndpointId, dir: Direction) -> bool {
        self.lock()
            .get(&peer)
            .is_some_and(|l| l.iter().any(|c| c.dir == dir))
    }

    /// Closes the connections to `peer` (all of them, or only one direction).
    pub(crate) fn close(&self, peer: EndpointId, dir: Option<Direction>, code: u32, reason: &[u8]) {
        let conns: Vec<Connection> = self
            .lock()
            .get(&peer)
            .map(|l| {
                l.iter()
                    .filter(|c| dir.is_none_or(|d| d == c.dir))
                    .map(|c| c.conn.clone())
                    .collect()
            })
            .unwrap_or_default();
        for c in conns {
            c.close(code.into(), reason);
        }
    }

    pub(crate) fn close_all(&self, code: u32, reason: &[u8]) {
        let conns: Vec<Connection> = self
            .lock()
            .values()
            .flat_map(|l| l.iter().map(|c| c.conn.clone()))
            .collect();
        for c in conns {
            c.close(code.into(), reason);
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<PeerStatus> {
        let live = self.lock();
        let mut out: Vec<PeerStatus> = live
            .iter()
            .filter_map(|(id, list)| {
                let oldest = list.iter().min_by_key(|l| l.since)?;
                Some(PeerStatus {
                    id: *id,
                    since: oldest.since,
                    kind: kind_of(&oldest.conn),
                    connections: list.len(),
                })
            })
            .collect();
        out.sort_by_key(|p| p.id);
        out
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<PeerEvent> {
        self.events.subscribe()
    }

    pub(crate) fn watch_changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

fn kind_of(conn: &Connection) -> ConnectionKind {
    let paths = conn.paths();
    let selected = paths.iter().find(|p| p.is_selected());
    match selected {
        Some(p) if p.is_relay() => ConnectionKind::Relay,
        Some(p) if p.is_ip() => ConnectionKind::Direct,
        _ => ConnectionKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (EndpointId, EndpointId) {
        let a = iroh::SecretKey::from_bytes(&[1; 32]).public();
        let b = iroh::SecretKey::from_bytes(&[2; 32]).public();
        if a < b { (a, b) } else { (b, a) }
    }

    #[test]
    fn smaller_id_dials_larger_id_defers() {
        let (small, large) = ids();
        assert!(!should_defer_dial(small, large));
        assert!(should_defer_dial(large, small));
    }

    #[test]
    fn inbound_from_preferred_dialer_replaces_our_outbound() {
        let (small, large) = ids();
        assert_eq!(
            inbound_decision(large, small, true),
            InboundDecision::AcceptAndCloseOutbound
        );
        assert_eq!(
            inbound_decision(large, small, false),
            InboundDecision::Accept
        );
    }

    #[test]
    fn inbound_duplicate_refused_when_our_preferred_outbound_is_up() {
        let (small, large) = ids();
        assert_eq!(
            inbound_decision(small, large, true),
            InboundDecision::RefuseDuplicate
        );
        assert_eq!(
            inbound_decision(small, large, false),
            InboundDecision::Accept
        );
    }
}
