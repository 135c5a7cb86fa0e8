//! The admission filter: every sync message a peer sends passes through the integrator's
//! [`Access::admit`] before samod sees it, so that the changes this device takes are decided
//! per change (by the rules of the `accord` crate: the roster's append-only records, observers,
//! revoked authors), whoever relays them — samod itself can only grant or refuse a *peer*.
//!
//! The automerge-repo message is CBOR (a map of `type`, `documentId`, `data`, …); only `sync`
//! and `request` messages carry changes, inside an automerge sync message. A message the
//! access leaves as it is goes on byte for byte; one it changes is re-encoded with the changes
//! it takes, and with the sender's heads replaced by the ones this device can reach — so that
//! automerge's sync state does not keep asking for changes that will never be taken (which
//! would make both sides answer each other forever).

use automerge::ChangeHash;
use automerge::sync::Message;
use ciborium::Value;
use futures::future::BoxFuture;
use iroh::EndpointId;
use samod::DocumentId;
use std::str::FromStr;

use crate::AccessPolicy;

/// What [`Access::admit`](crate::Access::admit) makes of one sync message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// The sender's heads as this device should see them.
    pub heads: Vec<ChangeHash>,
    /// The chunks to apply (change chunks; a document chunk may be replaced by its changes).
    pub chunks: Vec<Vec<u8>>,
}

/// A message as it arrived, for the access to judge.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub doc: DocumentId,
    pub peer: EndpointId,
    pub heads: Vec<ChangeHash>,
    pub chunks: Vec<Vec<u8>>,
}

/// The default: every change is taken.
pub(crate) fn take_all(_: Arrived) -> BoxFuture<'static, Option<Admitted>> {
    Box::pin(async { None })
}

/// Passes one frame through the access's admission; returns the frame to hand to samod.
pub(crate) async fn filter(policy: &AccessPolicy, peer: EndpointId, frame: Vec<u8>) -> Vec<u8> {
    let Some(access) = policy.current() else {
        return frame;
    };
    let parsed = match parse(&frame) {
        Read::Other => return frame,
        // Fail closed: what this filter cannot read, samod may still read more leniently (and
        // automerge apply the part of it that loads), so it goes nowhere. An empty frame is
        // one samod refuses, which ends the connection.
        Read::Unreadable => {
            tracing::warn!(peer = %peer.fmt_short(), "a sync frame that does not decode: dropped");
            return Vec::new();
        }
        Read::Sync(p) => p,
    };
    let Parsed {
        mut fields,
        doc,
        message,
        data_index,
    } = parsed;
    let arrived = Arrived {
        doc,
        peer,
        heads: message.heads.clone(),
        chunks: message.changes.iter().map(<[u8]>::to_vec).collect(),
    };
    let Some(admitted) = access.admit(arrived).await else {
        return frame;
    };
    let message = Message {
        heads: admitted.heads,
        changes: admitted.chunks.into(),
        ..message
    };
    fields[data_index].1 = Value::Bytes(message.encode());
    let mut out = Vec::with_capacity(frame.len());
    match ciborium::into_writer(&Value::Map(fields), &mut out) {
        Ok(()) => out,
        Err(e) => {
            tracing::warn!(error = %e, "a filtered sync message did not encode: dropped");
            Vec::new()
        }
    }
}

struct Parsed {
    fields: Vec<(Value, Value)>,
    doc: DocumentId,
    message: Message,
    data_index: usize,
}

/// What a frame is to the filter.
enum Read {
    /// A message that carries no changes (or not a map at all: samod refuses that).
    Other,
    /// A message that does not decode, or a `sync` or `request` one whose fields do not.
    Unreadable,
    Sync(Parsed),
}

fn parse(frame: &[u8]) -> Read {
    match ciborium::from_reader::<Value, _>(frame) {
        Err(_) => Read::Unreadable,
        Ok(Value::Map(entries)) => {
            let is_sync = entries.iter().any(|(k, v)| {
                k.as_text() == Some("type") && matches!(v.as_text(), Some("sync" | "request"))
            });
            match parse_sync(entries) {
                Some(p) => Read::Sync(p),
                None if is_sync => Read::Unreadable,
                None => Read::Other,
            }
        }
        Ok(_) => Read::Other,
    }
}

/// The fields of a `sync` or `request` message, as samod reads them (the last of a repeated
/// key counts), with its document and sync message.
fn parse_sync(entries: Vec<(Value, Value)>) -> Option<Parsed> {
    // Keep one entry per key, the last, as samod does.
    let mut fields: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = k.as_text()?.to_string();
        if let Some(i) = fields.iter().position(|(f, _)| f.as_text() == Some(&key)) {
            fields.remove(i);
        }
        fields.push((Value::Text(key), v));
    }
    let get = |name: &str| fields.iter().position(|(k, _)| k.as_text() == Some(name));
    let ty = fields[get("type")?].1.as_text()?;
    if ty != "sync" && ty != "request" {
        return None;
    }
    let doc = match &fields[get("documentId")?].1 {
        Value::Text(s) => DocumentId::from_str(s).ok()?,
        Value::Bytes(b) => DocumentId::try_from(b.clone()).ok()?,
        _ => return None,
    };
    let data_index = get("data")?;
    let message = Message::decode(fields[data_index].1.as_bytes()?).ok()?;
    Some(Parsed {
        fields,
        doc,
        message,
        data_index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ty: &str, doc: &DocumentId, data: Vec<u8>) -> Vec<u8> {
        let map = Value::Map(vec![
            (Value::Text("type".into()), Value::Text(ty.into())),
            (Value::Text("senderId".into()), Value::Text("a".into())),
            (Value::Text("targetId".into()), Value::Text("b".into())),
            (
                Value::Text("documentId".into()),
                Value::Text(doc.to_string()),
            ),
            (Value::Text("data".into()), Value::Bytes(data)),
        ]);
        let mut out = Vec::new();
        ciborium::into_writer(&map, &mut out).unwrap();
        out
    }

    fn sync_message_with_a_change() -> Message {
        let mut doc = automerge::AutoCommit::new();
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "k", "v").unwrap();
        let mut state = automerge::sync::State::new();
        use automerge::sync::SyncDoc;
        doc.sync().generate_sync_message(&mut state).unwrap()
    }

    #[test]
    fn a_sync_message_is_read_with_its_document_and_changes() {
        let doc = DocumentId::new(&mut rand::rng());
        let msg = sync_message_with_a_change();
        let f = frame("sync", &doc, msg.clone().encode());
        let Read::Sync(p) = parse(&f) else {
            panic!("a sync message")
        };
        assert_eq!(p.doc, doc);
        assert_eq!(p.message.heads, msg.heads);
        // Other messages are not looked into; what does not decode goes nowhere.
        assert!(matches!(
            parse(&frame("ephemeral", &doc, vec![1, 2])),
            Read::Other
        ));
        assert!(matches!(parse(b"\xff\xff"), Read::Unreadable));
        assert!(matches!(
            parse(&frame("sync", &doc, vec![1, 2])),
            Read::Unreadable
        ));
    }

    #[test]
    fn a_repeated_key_is_read_as_samod_reads_it_the_last_one() {
        let doc = DocumentId::new(&mut rand::rng());
        let msg = sync_message_with_a_change();
        let map = Value::Map(vec![
            (Value::Text("type".into()), Value::Text("sync".into())),
            (
                Value::Text("documentId".into()),
                Value::Text(doc.to_string()),
            ),
            (Value::Text("data".into()), Value::Bytes(vec![0xff])),
            (
                Value::Text("data".into()),
                Value::Bytes(msg.clone().encode()),
            ),
        ]);
        let mut f = Vec::new();
        ciborium::into_writer(&map, &mut f).unwrap();
        let Read::Sync(p) = parse(&f) else {
            panic!("the last data counts")
        };
        assert_eq!(p.message.heads, msg.heads);
    }

    #[test]
    fn a_message_nested_deeper_than_the_decoder_reads_is_unreadable_not_passed_on() {
        let doc = DocumentId::new(&mut rand::rng());
        let msg = sync_message_with_a_change();
        let mut pad = Value::Array(vec![]);
        for _ in 0..300 {
            pad = Value::Array(vec![pad]);
        }
        let map = Value::Map(vec![
            (Value::Text("type".into()), Value::Text("sync".into())),
            (
                Value::Text("documentId".into()),
                Value::Text(doc.to_string()),
            ),
            (Value::Text("data".into()), Value::Bytes(msg.encode())),
            (Value::Text("pad".into()), pad),
        ]);
        let mut f = Vec::new();
        ciborium::ser::into_writer(&map, &mut f).unwrap();
        assert!(matches!(parse(&f), Read::Unreadable));
    }
}
