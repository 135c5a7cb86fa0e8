//! Presence: who is in which document and clause, and where their cursor is. Ephemeral
//! messages over samod's broadcast (CBOR, as automerge-repo expects), never stored,
//! rate-limited, and forgotten when a device goes quiet.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use accord_model::{ClauseId, DeviceId, DocId};
use serde::{Deserialize, Serialize};

/// At most this many presence messages per second leave a device; the last state always does.
pub(crate) const SEND_INTERVAL: Duration = Duration::from_millis(100);
/// A device not heard from for this long is no longer shown as present.
pub(crate) const FORGET_AFTER: Duration = Duration::from_secs(30);
/// Presence is re-sent this often while nothing changes, so others do not forget us.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(10);
/// A presence message larger than this is ignored.
const MAX_MESSAGE: usize = 4096;

/// A cursor or selection in a text, in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub anchor: usize,
    pub head: usize,
}

/// Where this device's user is: the document, the clause (in a draft), the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Presence {
    pub doc: Option<DocId>,
    pub clause: Option<ClauseId>,
    pub cursor: Option<Cursor>,
}

/// Another device's presence as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPresence {
    pub device: DeviceId,
    pub device_name: Option<String>,
    pub party: Option<String>,
    pub meeting: DocId,
    #[serde(flatten)]
    pub presence: Presence,
}

/// The wire form. The device id in it is claimed by the sender; presence is cosmetic, and
/// only roster devices can send on a meeting's documents at all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Message {
    pub v: u8,
    pub device: String,
    pub device_name: Option<String>,
    pub party: Option<String>,
    pub meeting: String,
    pub doc: Option<String>,
    pub clause: Option<String>,
    pub cursor: Option<(usize, usize)>,
}

impl Message {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).expect("presence encodes");
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<PeerPresence> {
        if bytes.len() > MAX_MESSAGE {
            return None;
        }
        let m: Message = ciborium::from_reader(bytes).ok()?;
        if m.v != 1 {
            return None;
        }
        Some(PeerPresence {
            device: m.device.parse().ok()?,
            device_name: m.device_name,
            party: m.party,
            meeting: DocId::new(m.meeting).ok()?,
            presence: Presence {
                doc: m.doc.and_then(|d| DocId::new(d).ok()),
                clause: m.clause.and_then(|c| ClauseId::new(c).ok()),
                cursor: m.cursor.map(|(anchor, head)| Cursor { anchor, head }),
            },
        })
    }
}

/// What this device knows of others' presence.
#[derive(Debug, Default)]
pub(crate) struct Roster {
    seen: HashMap<DeviceId, (PeerPresence, Instant)>,
}

impl Roster {
    /// Records a message; returns whether anything visible changed.
    pub(crate) fn record(&mut self, p: PeerPresence, now: Instant) -> bool {
        let changed = self.seen.get(&p.device).is_none_or(|(old, _)| *old != p);
        self.seen.insert(p.device, (p, now));
        changed
    }

    /// Forgets devices not heard from recently; returns whether any was forgotten.
    pub(crate) fn expire(&mut self, now: Instant) -> bool {
        let before = self.seen.len();
        self.seen
            .retain(|_, (_, at)| now.duration_since(*at) < FORGET_AFTER);
        self.seen.len() != before
    }

    /// Everyone present in a meeting.
    /// Every device heard from (and not yet forgotten), in any meeting.
    pub(crate) fn devices(&self) -> impl Iterator<Item = DeviceId> + '_ {
        self.seen.keys().copied()
    }

    pub(crate) fn in_meeting(&self, meeting: &DocId) -> Vec<PeerPresence> {
        let mut out: Vec<PeerPresence> = self
            .seen
            .values()
            .filter(|(p, _)| p.meeting == *meeting)
            .map(|(p, _)| p.clone())
            .collect();
        out.sort_by_key(|p| p.device);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_garbage_is_ignored() {
        let m = Message {
            v: 1,
            device: DeviceId::from_bytes([3; 32]).to_string(),
            device_name: Some("MX laptop".into()),
            party: Some("Mexico".into()),
            meeting: "m1".into(),
            doc: Some("d1".into()),
            clause: Some("p2a".into()),
            cursor: Some((3, 7)),
        };
        let p = Message::decode(&m.encode()).unwrap();
        assert_eq!(p.presence.cursor, Some(Cursor { anchor: 3, head: 7 }));
        assert_eq!(p.party.as_deref(), Some("Mexico"));
        assert!(Message::decode(b"\xff\x00garbage").is_none());
        assert!(Message::decode(&vec![0u8; MAX_MESSAGE + 1]).is_none());
    }

    #[test]
    fn quiet_devices_are_forgotten() {
        let mut r = Roster::default();
        let t0 = Instant::now();
        let p = PeerPresence {
            device: DeviceId::from_bytes([1; 32]),
            device_name: None,
            party: None,
            meeting: DocId::new("m").unwrap(),
            presence: Presence::default(),
        };
        assert!(r.record(p.clone(), t0));
        assert!(!r.record(p, t0), "the same presence again changes nothing");
        assert!(!r.expire(t0 + Duration::from_secs(1)));
        assert!(r.expire(t0 + FORGET_AFTER + Duration::from_secs(1)));
        assert!(r.in_meeting(&DocId::new("m").unwrap()).is_empty());
    }
}
