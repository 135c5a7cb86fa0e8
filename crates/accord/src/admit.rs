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
    /// The dependencies of every change not taken (held or refused), to rewrite heads.
    not_taken: HashMap<ChangeHash, Vec<ChangeHash>>,
}

impl Held {
    /// Whether any change is held.
    pub(crate) fn any(&self) -> bool {
        self.docs.values().any(|d| !d.held.is_empty())
    }

    fn hashes(&self, doc: &DocId) -> HashSet<ChangeHash> {
        self.docs
            .get(doc)
            .map(|d| d.held.iter().map(|(c, _)| c.hash()).collect())
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

/// Every change in `chunks` (a chunk is one change, or a whole document).
fn changes_of(chunks: &[Vec<u8>]) -> Option<Vec<Change>> {
    let mut out = Vec::new();
    for chunk in chunks {
        match Change::from_bytes(chunk.clone()) {
            Ok(c) => out.push(c),
            Err(_) => out.extend(Automerge::load(chunk).ok()?.get_changes(&[])),
        }
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
        let Some(changes) = changes_of(&arrived.chunks) else {
            return None; // undecodable: samod refuses it
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
        let mut accepted = Vec::new();
        let (mut refused, mut held_n) = (0, 0);
        let mut all = true;
        let mut held = self.inner.held.lock().expect("held lock");
        for (c, v) in changes.into_iter().zip(verdicts) {
            match v {
                Verdict::Accept => accepted.push(c),
                Verdict::Hold => {
                    all = false;
                    held_n += 1;
                    let d = held.docs.entry(doc.clone()).or_default();
                    d.not_taken.insert(c.hash(), c.deps().to_vec());
                    if !d.held.iter().any(|(h, _)| h.hash() == c.hash()) {
                        let author = c.author().and_then(|a| DeviceId::from_author(&a));
                        tracing::warn!(%doc, %from, change = %c.hash(), author = ?author.map(|a| a.short()), "change of a revoked device held");
                        d.held.push((c, author));
                        if d.held.len() > MAX_HELD_PER_DOC {
                            d.held.remove(0);
                        }
                    }
                }
                Verdict::Refuse(why) => {
                    all = false;
                    refused += 1;
                    tracing::warn!(%doc, %from, change = %c.hash(), reason = %why, "change refused");
                    held.docs
                        .entry(doc.clone())
                        .or_default()
                        .not_taken
                        .insert(c.hash(), c.deps().to_vec());
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
    async fn verdicts(&self, doc: &DocId, changes: &[Change]) -> Vec<Verdict> {
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
                roster: roster.as_ref(),
                held: &held,
                cache: &cache,
            };
            model::admission::sort(d, &gate, changes)
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

    /// Takes in the changes held of a revoked device (an admin's decision): they are applied
    /// here, and a revocation with this device's heads as its cutoff lets every other device
    /// take them too.
    pub async fn accept_held(&self, meeting: &DocId, device: &DeviceId) -> Result<usize> {
        let docs: Vec<(DocId, Vec<Change>)> = {
            let dm = self.inner.access.doc_meeting.lock().expect("access lock");
            let mut held = self.inner.held.lock().expect("held lock");
            held.docs
                .iter_mut()
                .filter(|(doc, _)| dm.get(*doc) == Some(meeting) || *doc == meeting)
                .map(|(doc, d)| {
                    let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut d.held)
                        .into_iter()
                        .partition(|(_, a)| a.as_ref() == Some(device) || a.is_none());
                    d.held = rest;
                    for (c, _) in &mine {
                        d.not_taken.remove(&c.hash());
                    }
                    (doc.clone(), mine.into_iter().map(|(c, _)| c).collect())
                })
                .collect()
        };
        let mut n = 0;
        for (doc, changes) in docs {
            if changes.is_empty() {
                continue;
            }
            n += changes.len();
            let open = self.doc(&doc).await?;
            open.handle
                .with_document(|d| d.apply_changes(changes))
                .map_err(model::ModelError::from)?;
        }
        self.revoke(meeting, device).await?;
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
