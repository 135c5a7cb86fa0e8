//! Which changes arriving from outside — from a peer, relayed by one, or in a bundle — this
//! device takes into a document. Pure: the document, the roster and the changes in, a verdict
//! per change out.
//!
//! - **The roster is append-only.** In a meeting document, a change is refused if it deletes
//!   or overwrites a roster record, puts under `records` anything but a validly signed record
//!   under its own hash, replaces or deletes the `records`, `addrs`, `founder` or `schema`
//!   fields, or sets `schema_version` to anything but this build's. None of this depends on
//!   who the change claims as its author, which a peer could forge: a record carries its own
//!   signature, and no honest device ever deletes or overwrites one.
//! - **Observers do not write**: a change authored by a device that is an observer on the
//!   roster is refused, whoever relays it.
//! - **A revoked device's changes are held**: a change of a revoked device is taken only if
//!   its revoker had it — it is in the history of the heads the revocation recorded for this
//!   document ([`crate::roster::Revocation::cutoff`]). Any other change of that device, made
//!   while it was cut off from its revoker or after, is *held*: not applied, kept aside by the
//!   caller and shown to the admins, who may take it in by signing a revocation with a later
//!   cutoff. A change that depends on a held or refused change waits with it.
//!
//! A change already in the document is accepted (automerge skips it).

use std::collections::{HashMap, HashSet};

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{ActorId, Automerge, Change, ChangeHash, ObjType, ROOT, ReadDoc as _};

use crate::ids::{DeviceId, DocId};
use crate::roster::{self, ADDRS, FOUNDER, RECORDS, Record, Role, RosterView, SignatureCache};
use crate::schema::{DocKind, SCHEMA, SCHEMA_VERSION};

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("it changes the roster outside its signed records: {0}")]
    RosterTampered(&'static str),
    #[error("its author {0} is an observer in this meeting")]
    Observer(String),
    #[error("it depends on a change that was refused")]
    DependsOnRefused,
}

/// What becomes of one arriving change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Refuse(Refusal),
    /// A change of a revoked device that its revoker did not have, or one depending on such.
    Hold,
}

/// What the rules need to know besides the document.
#[derive(Debug, Clone, Copy)]
pub struct Gate<'a> {
    /// The document the changes are for.
    pub doc: &'a DocId,
    /// Its meeting (the document itself for a meeting document).
    pub meeting: &'a DocId,
    /// The meeting's roster, where this device knows it.
    pub roster: Option<&'a RosterView>,
    /// Hashes held earlier (a change depending on one is held too).
    pub held: &'a HashSet<ChangeHash>,
    pub cache: &'a SignatureCache,
}

/// The verdict for each of `changes`, in their order.
pub fn sort(doc: &Automerge, gate: &Gate<'_>, changes: &[Change]) -> Vec<Verdict> {
    sort_with_authors(doc, gate, changes)
        .into_iter()
        .map(|(v, _)| v)
        .collect()
}

/// [`sort`], with the device each change was written by (its author footer, or the author
/// automerge recorded for its actor), where known.
pub fn sort_with_authors(
    doc: &Automerge,
    gate: &Gate<'_>,
    changes: &[Change],
) -> Vec<(Verdict, Option<DeviceId>)> {
    let is_meeting = gate.doc == gate.meeting;
    let by_hash: HashMap<ChangeHash, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.hash(), i))
        .collect();
    let mut verdicts: Vec<Option<Verdict>> = vec![None; changes.len()];
    let mut authors: Vec<Option<DeviceId>> = vec![None; changes.len()];
    let mut protected = if is_meeting {
        Protected::of(doc)
    } else {
        Protected::default()
    };
    let mut actors: HashMap<ActorId, Option<DeviceId>> = HashMap::new();
    let cutoff = gate
        .roster
        .map(|r| before_cutoff(doc, gate.doc, r, changes, &by_hash));
    for i in causal_order(changes, &by_hash) {
        let c = &changes[i];
        if doc.get_change_meta_by_hash(&c.hash()).is_some() {
            verdicts[i] = Some(Verdict::Accept);
            continue;
        }
        authors[i] = author(doc, c, &mut actors);
        let mut waits = false;
        let mut refused = false;
        for dep in c.deps() {
            match by_hash.get(dep).and_then(|&j| verdicts[j].as_ref()) {
                Some(Verdict::Refuse(_)) => refused = true,
                Some(Verdict::Hold) => waits = true,
                _ if gate.held.contains(dep) => waits = true,
                _ => {}
            }
        }
        let verdict = if refused {
            Verdict::Refuse(Refusal::DependsOnRefused)
        } else if waits {
            Verdict::Hold
        } else {
            judge(
                gate,
                c,
                authors[i],
                cutoff.as_ref(),
                &mut protected,
                is_meeting,
            )
        };
        verdicts[i] = Some(verdict);
    }
    verdicts
        .into_iter()
        .zip(authors)
        .map(|(v, a)| (v.unwrap_or(Verdict::Refuse(Refusal::DependsOnRefused)), a))
        .collect()
}

fn judge(
    gate: &Gate<'_>,
    c: &Change,
    author: Option<DeviceId>,
    cutoff: Option<&HashSet<ChangeHash>>,
    protected: &mut Protected,
    is_meeting: bool,
) -> Verdict {
    if let (Some(roster), Some(author)) = (gate.roster, author)
        && let Some(e) = roster.entry(&author)
    {
        if e.revoked {
            if !cutoff.is_some_and(|pre| pre.contains(&c.hash())) {
                return Verdict::Hold;
            }
        } else if e.valid && e.role == Role::Observer {
            return Verdict::Refuse(Refusal::Observer(author.short()));
        }
    }
    if is_meeting {
        match protected.check(gate, c) {
            Err(what) => return Verdict::Refuse(Refusal::RosterTampered(what)),
            // A record signed by a revoked device that its revoker did not have: whatever
            // author the change claims, it waits as the device's own changes do.
            Ok(Signers::Revoked) if !cutoff.is_some_and(|pre| pre.contains(&c.hash())) => {
                return Verdict::Hold;
            }
            Ok(_) => {}
        }
    }
    Verdict::Accept
}

/// The device that wrote `c`: its own author footer, or the one automerge recorded for its
/// actor (the author is written once per actor).
fn author(
    doc: &Automerge,
    c: &Change,
    actors: &mut HashMap<ActorId, Option<DeviceId>>,
) -> Option<DeviceId> {
    if let Some(a) = c.author() {
        let d = DeviceId::from_author(&a);
        actors.insert(c.actor_id().clone(), d);
        return d;
    }
    if let Some(d) = actors.get(c.actor_id()) {
        return *d;
    }
    let d = doc
        .get_author_for_actor(c.actor_id())
        .and_then(|a| DeviceId::from_author(&a));
    actors.insert(c.actor_id().clone(), d);
    d
}

/// The arriving changes in an order where each comes after its dependencies among them.
fn causal_order(changes: &[Change], by_hash: &HashMap<ChangeHash, usize>) -> Vec<usize> {
    let mut order = Vec::with_capacity(changes.len());
    let mut state = vec![0u8; changes.len()]; // 0 new, 1 on the stack, 2 done
    for start in 0..changes.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((i, next)) = stack.pop() {
            let deps = changes[i].deps();
            if let Some(dep) = deps.get(next) {
                stack.push((i, next + 1));
                if let Some(&j) = by_hash.get(dep)
                    && state[j] == 0
                {
                    state[j] = 1;
                    stack.push((j, 0));
                }
            } else {
                state[i] = 2;
                order.push(i);
            }
        }
    }
    order
}

/// The arriving changes that are in the history of some cutoff of a revocation in force for
/// this document (those of revoked devices among them are taken).
fn before_cutoff(
    doc: &Automerge,
    doc_id: &DocId,
    roster: &RosterView,
    changes: &[Change],
    by_hash: &HashMap<ChangeHash, usize>,
) -> HashSet<ChangeHash> {
    let mut pre = HashSet::new();
    let mut stack: Vec<ChangeHash> = roster
        .revocations
        .iter()
        .filter_map(|r| r.cutoff.get(doc_id))
        .flatten()
        .copied()
        .collect();
    while let Some(h) = stack.pop() {
        if !pre.insert(h) {
            continue;
        }
        // What the document already has brings no arriving change along.
        if doc.get_change_meta_by_hash(&h).is_some() {
            continue;
        }
        if let Some(&i) = by_hash.get(&h) {
            stack.extend(changes[i].deps().iter().copied());
        }
    }
    pre
}

/// The meeting document's protected objects: its `records` maps (every one, should two have
/// been made concurrently) and its `addrs` map, as automerge op ids, and which protected root
/// fields exist.
#[derive(Debug, Default)]
struct Protected {
    records: HashSet<(u64, ActorId)>,
    root_keys: HashSet<&'static str>,
    has_version: bool,
}

/// Who signed the records a change puts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signers {
    /// No record, or none by a device revoked now.
    Active,
    /// A record signed by a device revoked now.
    Revoked,
}

const ROOT_KEYS: [&str; 4] = [FOUNDER, RECORDS, ADDRS, SCHEMA];

impl Protected {
    fn of(doc: &Automerge) -> Self {
        let mut p = Protected {
            has_version: doc.get(ROOT, SCHEMA_VERSION).ok().flatten().is_some(),
            ..Protected::default()
        };
        for k in ROOT_KEYS {
            if let Ok(values) = doc.get_all(ROOT, k)
                && !values.is_empty()
            {
                p.root_keys.insert(k);
                if k == RECORDS {
                    for (_, id) in values {
                        if let automerge::ObjId::Id(c, a, _) = id {
                            p.records.insert((c, a));
                        }
                    }
                }
            }
        }
        p
    }

    /// Checks every operation of `c`; on success records the objects it creates, and says
    /// whether a record in it is signed by a device revoked now.
    fn check(&mut self, gate: &Gate<'_>, c: &Change) -> Result<Signers, &'static str> {
        let (meeting, cache) = (gate.meeting, gate.cache);
        let legacy = gate.roster.is_some_and(|r| r.legacy);
        let mut signers = Signers::Active;
        let mut admin_record = false;
        let mut set_version = false;
        let expanded = c.decode();
        let start = c.start_op().get();
        let mut created_records = Vec::new();
        let mut created_keys = Vec::new();
        for (i, op) in expanded.operations.iter().enumerate() {
            let id = (start + i as u64, c.actor_id().clone());
            match (&op.obj, &op.key) {
                (ObjectId::Root, Key::Map(k)) => {
                    let k = k.as_str();
                    if k == SCHEMA_VERSION {
                        // Set once with the document; afterwards only to this build's version
                        // (an admin's conversion), never back nor beyond.
                        let lowest = if self.has_version {
                            DocKind::Meeting.current_version()
                        } else {
                            1
                        };
                        let ok = matches!(&op.action, OpType::Put(v)
                            if v.as_u64().is_some_and(|v| (lowest..=DocKind::Meeting.current_version()).contains(&v)));
                        if !ok {
                            return Err(
                                "it sets the meeting's schema version back, or to one no build knows",
                            );
                        }
                        set_version = true;
                        continue;
                    }
                    let Some(&k) = ROOT_KEYS.iter().find(|p| **p == k) else {
                        continue;
                    };
                    if !op.pred.is_empty() || matches!(op.action, OpType::Delete) {
                        return Err("it replaces or deletes a roster field");
                    }
                    // Two admins converting a version-1 meeting at once each make the records
                    // map; both count (checked below: each must bring an admin's record).
                    if self.root_keys.contains(k) && !(k == RECORDS && legacy) {
                        return Err("it makes a second roster field");
                    }
                    if k == RECORDS {
                        if !matches!(op.action, OpType::Make(ObjType::Map)) {
                            return Err("it puts something other than a map as the records");
                        }
                        created_records.push(id);
                    }
                    created_keys.push(k);
                }
                (ObjectId::Id(OpId(counter, actor)), key)
                    if self.records.contains(&(*counter, actor.clone()))
                        || created_records.contains(&(*counter, actor.clone())) =>
                {
                    let Key::Map(k) = key else {
                        return Err("it inserts into the records");
                    };
                    if !op.pred.is_empty() || op.insert {
                        return Err("it overwrites or deletes a roster record");
                    }
                    let OpType::Put(automerge::ScalarValue::Bytes(bytes)) = &op.action else {
                        return Err("it puts something other than a record in the records");
                    };
                    if roster::record_key(bytes) != k.as_str() {
                        return Err("it stores a record under another key than its hash");
                    }
                    let Ok(record) = Record::decode(meeting, bytes, cache) else {
                        return Err("it puts a record that is not validly signed");
                    };
                    if let Some(r) = gate.roster {
                        if r.is_revoked(&record.signer) {
                            signers = Signers::Revoked;
                        }
                        if record.signer == r.founder
                            || r.role_of(&record.signer) == Some(Role::Admin)
                        {
                            admin_record = true;
                        }
                    }
                }
                _ => {}
            }
        }
        // In a version-1 meeting the records map is made only by an admin's conversion: a
        // map made empty, or by someone else, would empty the roster.
        if !created_records.is_empty() && legacy && !admin_record {
            return Err("it makes the records without an admin's record in them");
        }
        self.records.extend(created_records);
        self.root_keys.extend(created_keys);
        self.has_version |= set_version;
        Ok(signers)
    }
}
