//! What this device takes from its peers and from bundles, change by change: the rules of
//! [`model::admission`] applied to every sync message before samod sees it (through
//! `accord_net`'s admission hook) and to every bundle before it is merged.
//!
//! Changes that are *held* — a revoked device's changes its revoker did not have, and what
//! builds on them — are kept here in memory, per document, and shown to the admins
//! ([`Workspace::held`]); each time a meeting's roster changes they are judged again, and
//! those an admin has since taken in (by a revocation with a later cutoff,
//! [`Workspace::accept_held`]) are applied. A restart forgets them; the peers that hold them
//! send them again. Refused changes are logged and dropped. Either way the sender's heads are
//! rewritten to what this device can reach, so that the sync protocol stops asking for them.

use std::collections::{BTreeMap, HashMap, HashSet};

use accord_model::{
    self as model, DeviceId, DocId,
    admission::{Gate, Verdict},
    automerge::{Automerge, Change, ChangeHash},
};
use accord_net::{Admitted, Arrived};
use serde::Serialize;

use crate::error::Result;
use crate::workspace::Workspace;

/// At most this many held changes per document are kept (the oldest go first; their senders
/// send them again).
const MAX_HELD_PER_DOC: usize = 20_000;

/// The changes this device does not take, per document.
#[derive(Debug, Default)]
pub(crate) struct Held {
    docs: HashMap<DocId, HeldDoc>,
}

#[derive(Debug, Default)]
struct HeldDoc {
    /// Held changes, in arrival order, with the device that wrote each.
    held: Vec<(Change, Option<DeviceId>)>,
    /// The hashes of `held`.
    hashes: HashSet<ChangeHash>,
    /// The dependencies of every change not taken (held or refused), to rewrite heads.
    not_taken: HashMap<ChangeHash, Vec<ChangeHash>>,
}

/// At most this many changes not taken are remembered per document, to rewrite heads (past
/// it the record starts afresh: a peer may then be asked once more for what is refused).
const MAX_NOT_TAKEN: usize = 100_000;

impl HeldDoc {
    fn remember(&mut self, c: &Change) {
        if self.not_taken.len() >= MAX_NOT_TAKEN {
            self.not_taken.clear();
        }
        self.not_taken.insert(c.hash(), c.deps().to_vec());
    }
}

impl Held {
    /// Whether any change is held.
    pub(crate) fn any(&self) -> bool {
        self.docs.values().any(|d| !d.held.is_empty())
    }

    fn hashes(&self, doc: &DocId) -> HashSet<ChangeHash> {
        self.docs
            .get(doc)
            .map(|d| d.hashes.clone())
            .unwrap_or_default()
    }

    /// `heads` with every change not taken replaced by its dependencies, until only what this
    /// device can reach is left.
    fn reachable(&self, doc: &DocId, heads: &[ChangeHash]) -> Option<Vec<ChangeHash>> {
        let d = self.docs.get(doc)?;
        if !heads.iter().any(|h| d.not_taken.contains_key(h)) {
            return None;
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<ChangeHash> = heads.to_vec();
        while let Some(h) = stack.pop() {
            if !seen.insert(h) {
                continue;
            }
            match d.not_taken.get(&h) {
                Some(deps) => stack.extend(deps.iter().copied()),
                None => out.push(h),
            }
        }
        out.sort();
        Some(out)
    }
}

/// A revoked device's changes held in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldChanges {
    pub doc: DocId,
    /// The device that wrote them (`None`: changes of others, built on held ones).
    pub device: Option<DeviceId>,
    pub changes: usize,
}

/// Every change in `chunks`: each holds one or more automerge chunks back to back (changes,
/// compressed changes, or whole documents); `None` if any part does not decode.
fn changes_of(chunks: &[Vec<u8>]) -> Option<Vec<Change>> {
    let mut out = Vec::new();
    for chunk in chunks {
        for piece in split_chunks(chunk)? {
            match Change::from_bytes(piece.to_vec()) {
                Ok(c) => out.push(c),
                Err(_) => out.extend(Automerge::load(piece).ok()?.get_changes(&[])),
            }
        }
    }
    Some(out)
}

/// Splits bytes into the automerge chunks they hold: each is `magic (4) | checksum (4) |
/// type (1) | LEB128 length | data`.
fn split_chunks(mut bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return None;
        }
        let (mut len, mut shift, mut at) = (0u64, 0u32, 9usize);
        loop {
            let b = *bytes.get(at)?;
            at += 1;
            len |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
        let end = at.checked_add(usize::try_from(len).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        out.push(&bytes[..end]);
        bytes = &bytes[end..];
    }
    Some(out)
}

impl Workspace {
    /// The admission of one sync message (see the module docs); `None` takes it as it is.
    pub(crate) async fn admit_arrived(&self, arrived: Arrived) -> Option<Admitted> {
        let doc = DocId::new(arrived.doc.to_string()).ok()?;
        if arrived.chunks.is_empty() {
            let held = self.inner.held.lock().expect("held lock");
            return held.reachable(&doc, &arrived.heads).map(|heads| Admitted {
                heads,
                chunks: Vec::new(),
            });
        }
        // What cannot be read change by change is not taken: automerge would apply the part
        // of it that loads, unjudged.
        let Some(changes) = changes_of(&arrived.chunks) else {
            tracing::warn!(%doc, "a sync message whose changes do not decode: none taken");
            return Some(Admitted {
                heads: Vec::new(),
                chunks: Vec::new(),
            });
        };
        let from = crate::share::device_of(&arrived.peer);
        let taken = self
            .sort_arrived(&doc, changes, &format!("peer {}", from.short()))
            .await;
        if taken.all {
            let held = self.inner.held.lock().expect("held lock");
            return held.reachable(&doc, &arrived.heads).map(|heads| Admitted {
                heads,
                chunks: arrived.chunks,
            });
        }
        let held = self.inner.held.lock().expect("held lock");
        let heads = held
            .reachable(&doc, &arrived.heads)
            .unwrap_or(arrived.heads);
        Some(Admitted {
            heads,
            chunks: taken
                .accepted
                .into_iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect(),
        })
    }

    /// Judges changes for `doc`: keeps the held ones, logs the refused ones, returns the rest.
    pub(crate) async fn sort_arrived(
        &self,
        doc: &DocId,
        changes: Vec<Change>,
        from: &str,
    ) -> Taken {
        let verdicts = self.verdicts(doc, &changes).await;
        let len_before = changes.len();
        let mut accepted = Vec::new();
        let (mut refused, mut held_n) = (0, 0);
        let mut all = true;
        let mut held = self.inner.held.lock().expect("held lock");
        debug_assert_eq!(len_before, verdicts.len());
        for (c, (v, author)) in changes.into_iter().zip(verdicts) {
            match v {
                Verdict::Accept => accepted.push(c),
                Verdict::Hold => {
                    all = false;
                    held_n += 1;
                    let d = held.docs.entry(doc.clone()).or_default();
                    d.remember(&c);
                    if d.hashes.insert(c.hash()) {
                        tracing::warn!(%doc, %from, change = %c.hash(), author = ?author.map(|a| a.short()), "change of a revoked device held");
                        d.held.push((c, author));
                        if d.held.len() > MAX_HELD_PER_DOC {
                            let (gone, _) = d.held.remove(0);
                            d.hashes.remove(&gone.hash());
                        }
                    }
                }
                Verdict::Refuse(why) => {
                    all = false;
                    refused += 1;
                    tracing::warn!(%doc, %from, change = %c.hash(), reason = %why, "change refused");
                    held.docs.entry(doc.clone()).or_default().remember(&c);
                }
            }
        }
        Taken {
            accepted,
            all,
            refused,
            held: held_n,
        }
    }

    /// The verdicts on `changes` against this device's copy of `doc` (an empty document when
    /// it has none yet).
    async fn verdicts(&self, doc: &DocId, changes: &[Change]) -> Vec<(Verdict, Option<DeviceId>)> {
        let (meeting, roster) = {
            let access = &self.inner.access;
            let meeting = access
                .doc_meeting
                .lock()
                .expect("access lock")
                .get(doc)
                .cloned()
                .unwrap_or_else(|| doc.clone());
            let roster = access
                .rosters
                .lock()
                .expect("access lock")
                .get(&meeting)
                .cloned();
            (meeting, roster)
        };
        let held = self.inner.held.lock().expect("held lock").hashes(doc);
        let run = |d: &Automerge| {
            let cache = self.inner.signatures.lock().expect("signatures lock");
            let gate = Gate {
                doc,
                meeting: &meeting,
                roster: roster.as_deref(),
                held: &held,
                cache: &cache,
            };
            model::admission::sort_with_authors(d, &gate, changes)
        };
        let open = self.inner.docs.lock().expect("docs lock").get(doc).cloned();
        let open = match open {
            Some(o) => Some(o),
            // Stored but not open here: open it (from the store; nothing waits on a peer).
            None if self.is_stored(doc).await => self.doc(doc).await.ok(),
            None => None,
        };
        match open {
            Some(o) => o.handle.with_document(|d| run(d)),
            None => run(&Automerge::new()),
        }
    }

    async fn is_stored(&self, doc: &DocId) -> bool {
        let store = self.inner.store.clone();
        let id = doc.to_string();
        tokio::task::spawn_blocking(move || store.document_bytes(&id).is_ok_and(|(n, _)| n > 0))
            .await
            .unwrap_or(false)
    }

    /// Judges the held changes of a meeting's documents again (its roster changed) and
    /// applies those now taken.
    pub(crate) async fn release_held(&self, meeting: &DocId) {
        // One at a time: a second run would miss what the first has taken out of the list.
        let _one = self.inner.releasing.lock().await;
        let docs: Vec<DocId> = {
            let dm = self.inner.access.doc_meeting.lock().expect("access lock");
            let held = self.inner.held.lock().expect("held lock");
            held.docs
                .iter()
                .filter(|(d, h)| !h.held.is_empty() && dm.get(*d) == Some(meeting))
                .map(|(d, _)| d.clone())
                .collect()
        };
        for doc in docs {
            let changes: Vec<Change> = {
                let mut held = self.inner.held.lock().expect("held lock");
                let Some(d) = held.docs.get_mut(&doc) else {
                    continue;
                };
                let taken = std::mem::take(&mut d.held);
                d.hashes.clear();
                for (c, _) in &taken {
                    d.not_taken.remove(&c.hash());
                }
                taken.into_iter().map(|(c, _)| c).collect()
            };
            let taken = self.sort_arrived(&doc, changes, "held changes").await;
            if taken.accepted.is_empty() {
                continue;
            }
            let Ok(open) = self.doc(&doc).await else {
                continue;
            };
            let n = taken.accepted.len();
            let applied = open
                .handle
                .with_document(|d| d.apply_changes(taken.accepted.clone()));
            match applied {
                Ok(()) => tracing::info!(%doc, changes = n, "held changes taken in"),
                Err(e) => tracing::warn!(%doc, error = %e, "held changes did not apply"),
            }
        }
    }

    /// The changes held in a meeting's documents, per document and device.
    pub fn held(&self, meeting: &DocId) -> Vec<HeldChanges> {
        let dm = self.inner.access.doc_meeting.lock().expect("access lock");
        let held = self.inner.held.lock().expect("held lock");
        let mut out: BTreeMap<(DocId, Option<DeviceId>), usize> = BTreeMap::new();
        for (doc, d) in &held.docs {
            if dm.get(doc) != Some(meeting) && doc != meeting {
                continue;
            }
            for (_, author) in &d.held {
                *out.entry((doc.clone(), *author)).or_default() += 1;
            }
        }
        out.into_iter()
            .map(|((doc, device), changes)| HeldChanges {
                doc,
                device,
                changes,
            })
            .collect()
    }

    /// Takes in the changes held of a revoked device (an admin's decision): a revocation is
    /// signed whose cutoff includes them, so that every device takes them — each judged by the
    /// same rules as any arriving change — and they are taken here at once.
    pub async fn accept_held(&self, meeting: &DocId, device: &DeviceId) -> Result<usize> {
        let roster = self.roster(meeting).await?;
        if roster.role_of(&self.device()) != Some(model::Role::Admin) {
            return Err(crate::Error::invalid(
                "held changes",
                device.short(),
                "only an admin of the meeting can take in a revoked device's changes",
            ));
        }
        // Per document, the held changes of the device and those built on them.
        let extra: BTreeMap<DocId, Vec<ChangeHash>> = {
            let dm = self.inner.access.doc_meeting.lock().expect("access lock");
            let held = self.inner.held.lock().expect("held lock");
            held.docs
                .iter()
                .filter(|(doc, _)| dm.get(*doc) == Some(meeting) || *doc == meeting)
                .map(|(doc, d)| {
                    let mine: Vec<ChangeHash> = d
                        .held
                        .iter()
                        .filter(|(_, a)| a.as_ref() == Some(device) || a.is_none())
                        .map(|(c, _)| c.hash())
                        .collect();
                    (doc.clone(), mine)
                })
                .filter(|(_, v)| !v.is_empty())
                .collect()
        };
        let n = extra.values().map(Vec::len).sum();
        self.revoke_with(meeting, device, &extra).await?;
        self.release_held(meeting).await;
        Ok(n)
    }
}

/// The changes taken of an arrival.
pub(crate) struct Taken {
    pub(crate) accepted: Vec<Change>,
    /// Whether every change was taken.
    pub(crate) all: bool,
    pub(crate) refused: usize,
    pub(crate) held: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_model::automerge::{AutoCommit, ROOT, transaction::Transactable};

    #[test]
    fn chunks_back_to_back_are_read_change_by_change_and_garbage_is_not() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1).unwrap();
        doc.commit();
        doc.put(ROOT, "b", 2).unwrap();
        doc.commit();
        let changes = doc.document().get_changes(&[]);
        let mut joined = Vec::new();
        for c in &changes {
            joined.extend_from_slice(c.raw_bytes());
        }
        let read = changes_of(&[joined.clone()]).expect("two changes");
        assert_eq!(
            read.iter().map(Change::hash).collect::<Vec<_>>(),
            changes.iter().map(Change::hash).collect::<Vec<_>>()
        );
        // A whole document reads as its changes.
        assert_eq!(changes_of(&[doc.save()]).unwrap().len(), 2);
        // A change with one byte after it, which automerge would load in part, does not read.
        joined.push(0);
        assert!(changes_of(&[joined]).is_none());
    }
}
