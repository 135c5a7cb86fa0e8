//! The roster: which devices may read and write a meeting's documents, with which party and
//! role — and the invitations that let new devices join.
//!
//! Every roster fact is a **signed record**: a device admitted (party, role, name), a device
//! revoked (with the heads of the meeting's documents its revoker had: see
//! [`Revocation::cutoff`]), a revocation undone, an invitation issued, an invitation used.
//! A record is one byte string — its fields, its signer, an ed25519 signature (with the device
//! keys that are also the devices' iroh keys) — stored in the meeting document's `records` map
//! under the SHA-256 of those bytes:
//!
//! ```text
//! founder: <device hex>
//! records: { <sha256(record) hex>: bytes }     append-only: see crate::admission
//! addrs:   { <device hex>: [str] }             dialling hints, each device its own; not signed
//! ```
//!
//! The records are append-only: [`crate::admission`] refuses, from any peer and in any
//! bundle, a change that deletes or overwrites a record, puts anything but a validly signed
//! record under its own hash, or replaces these maps — so no writer of the document can hide a
//! fact, and a fact is undone only by a later record of an admin. What the records mean is
//! decided when they are read ([`read`]): in the order of their position in the document's
//! causal history (the Lamport order of the operations that wrote them, which every causal
//! successor follows, never a wall clock), a record counts only if its signer was then an
//! active admin — the founding device (whose key is pinned outside the document: by the
//! founder itself, and by joiners from their ticket) always is. A device's latest admission
//! gives its party and role; it is revoked while its latest admission, revocation or
//! restoration is a revocation. Concurrent records are ordered the same way on every device,
//! whatever order they arrived in.
//!
//! Signing is deterministic (ed25519), so it needs no RNG; times come in as arguments.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

mod legacy;
use std::fmt;
use std::str::FromStr;

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ModelError, Result};
use crate::ids::{DeviceId, DocId};
use crate::schema::{self, DocKind};

const KIND: DocKind = DocKind::Meeting;
pub(crate) const FOUNDER: &str = "founder";
pub(crate) const RECORDS: &str = "records";
pub(crate) const ADDRS: &str = "addrs";
/// What every record's signature covers before its body: binds it to this purpose.
const RECORD_DOMAIN: &[u8] = b"accord/roster-record/1\0";
/// The longest record accepted (a revocation lists the heads of every document).
pub const MAX_RECORD_LEN: usize = 1 << 20;
const SIGNATURE_LEN: usize = 64;

/// What a device may do in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads and writes, and may invite, add and revoke devices.
    Admin,
    /// Reads and writes.
    Member,
    /// Reads only: others do not accept its changes.
    Observer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Observer => "observer",
        }
    }
    pub fn can_write(self) -> bool {
        self != Role::Observer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            "observer" => Ok(Role::Observer),
            _ => Err(ModelError::invalid(
                "role",
                format!("{s:?}; expected admin, member or observer"),
            )),
        }
    }
}

/// A device's signing key (the profile's device key).
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn from_secret(secret: &[u8; 32]) -> Self {
        DeviceKey(SigningKey::from_bytes(secret))
    }
    pub fn device(&self) -> DeviceId {
        DeviceId::from_bytes(self.0.verifying_key().to_bytes())
    }
    /// Signs `msg` with the device key (an ed25519 signature, 64 bytes).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.0.sign(msg).to_bytes().to_vec()
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({})", self.device().short())
    }
}

fn verify(device: &DeviceId, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(device.as_bytes()) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    key.verify(msg, &sig).is_ok()
}

/// Signature checks already made, so that re-reading a roster after every change of its
/// meeting document (each keystroke in an action item, say) verifies only what is new
/// instead of every entry and invitation again. Plain data, no clock: the caller keeps one
/// (per workspace) and passes it to [`read_with`]. Holds at most 65,536 results (about 4 MB), so a meeting of thousands of records is not re-verified on every read.
#[derive(Debug, Default)]
pub struct SignatureCache {
    seen: RefCell<HashMap<[u8; 32], bool>>,
}

impl SignatureCache {
    const MAX: usize = 65_536;

    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn verify(&self, device: &DeviceId, msg: &[u8], sig: &[u8]) -> bool {
        let mut h = Sha256::new();
        h.update(device.as_bytes());
        h.update((msg.len() as u64).to_le_bytes());
        h.update(msg);
        h.update(sig);
        let key: [u8; 32] = h.finalize().into();
        if let Some(&ok) = self.seen.borrow().get(&key) {
            return ok;
        }
        let ok = verify(device, msg, sig);
        let mut seen = self.seen.borrow_mut();
        if seen.len() >= Self::MAX {
            seen.clear();
        }
        seen.insert(key, ok);
        ok
    }
}

/// The hash under which an invitation's secret is recorded (the secret itself never is).
pub fn invite_hash(secret: &[u8; 32]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A roster fact, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fact {
    /// The device is on the roster with this party, role and name (or is re-signed so).
    Admit {
        device: [u8; 32],
        party: String,
        role: Role,
        name: String,
    },
    /// The device is revoked. `cutoff` holds, per document of the meeting, the heads its
    /// revoker had: the device's changes in those histories were made before the revocation
    /// as the revoker saw it; any other change of the device is held (see
    /// [`crate::admission`]).
    Revoke {
        device: [u8; 32],
        cutoff: Vec<(String, Vec<[u8; 32]>)>,
    },
    /// The device's revocation is undone.
    Restore { device: [u8; 32] },
    /// An invitation, by the hash of its secret.
    Invite {
        hash: String,
        party: String,
        role: Role,
        expires: i64,
    },
    /// An invitation was used by this device, as the admin who admitted it says.
    Consume { hash: String, device: [u8; 32] },
    /// A named version of the meeting ("Rev.1"): the heads of each of its documents.
    Version {
        name: String,
        note: String,
        heads: Vec<(String, Vec<[u8; 32]>)>,
    },
    /// A fact of a kind a later build added (never written by this one).
    #[serde(skip)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Body {
    meeting: String,
    at: i64,
    /// The fact, encoded on its own: a record of a kind a later build added still has a
    /// signature this build can check, and is kept (and ignored) rather than refused.
    fact: Vec<u8>,
}

/// A record whose signature is good, for the meeting it names (whether its signer had the
/// authority is decided by [`read`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub signer: DeviceId,
    pub at: Timestamp,
    pub fact: Fact,
}

/// Why a record's bytes are not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("a roster record of {0} bytes is longer than {MAX_RECORD_LEN}")]
    TooLong(usize),
    #[error("a roster record is truncated or malformed")]
    Malformed,
    #[error("a roster record names another meeting")]
    OtherMeeting,
    #[error("a roster record's signature does not match its signer")]
    BadSignature,
}

impl Record {
    /// The signed bytes: `u32 body length | body | signer (32) | signature (64)`.
    fn encode(meeting: &DocId, key: &DeviceKey, at: Timestamp, fact: Fact) -> Vec<u8> {
        let body = postcard::to_stdvec(&Body {
            meeting: meeting.to_string(),
            at: at.as_millisecond(),
            fact: postcard::to_stdvec(&fact).expect("a fact encodes"),
        })
        .expect("a record encodes");
        let mut msg = RECORD_DOMAIN.to_vec();
        msg.extend_from_slice(&body);
        let sig = key.sign(&msg);
        let mut out = Vec::with_capacity(4 + body.len() + 32 + SIGNATURE_LEN);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(key.device().as_bytes());
        out.extend_from_slice(&sig);
        out
    }

    /// Reads a record and checks its signature; the signer's authority is not checked here.
    pub fn decode(
        meeting: &DocId,
        bytes: &[u8],
        cache: &SignatureCache,
    ) -> std::result::Result<Record, RecordError> {
        if bytes.len() > MAX_RECORD_LEN {
            return Err(RecordError::TooLong(bytes.len()));
        }
        let len = bytes
            .get(..4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize)
            .ok_or(RecordError::Malformed)?;
        if bytes.len() != 4 + len + 32 + SIGNATURE_LEN {
            return Err(RecordError::Malformed);
        }
        let body_bytes = &bytes[4..4 + len];
        let signer: [u8; 32] = bytes[4 + len..4 + len + 32].try_into().expect("32 bytes");
        let sig = &bytes[4 + len + 32..];
        let body: Body = postcard::from_bytes(body_bytes).map_err(|_| RecordError::Malformed)?;
        if body.meeting != meeting.as_str() {
            return Err(RecordError::OtherMeeting);
        }
        let signer = DeviceId::from_bytes(signer);
        let mut msg = RECORD_DOMAIN.to_vec();
        msg.extend_from_slice(body_bytes);
        if !cache.verify(&signer, &msg, sig) {
            return Err(RecordError::BadSignature);
        }
        Ok(Record {
            signer,
            at: Timestamp::from_millisecond(body.at).map_err(|_| RecordError::Malformed)?,
            // A kind of fact this build does not know: a later build's; it counts for nothing.
            fact: postcard::from_bytes(&body.fact).unwrap_or(Fact::Unknown),
        })
    }
}

/// The key a record is stored under: the hex SHA-256 of its bytes.
pub fn record_key(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One device on the roster, with what the rules make of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub device: DeviceId,
    /// The party's name (as in the meeting's parties, or free text for a new party).
    pub party: String,
    pub role: Role,
    /// The device's name, for people.
    pub name: String,
    /// The admin who signed its latest admission.
    pub signer: DeviceId,
    pub issued: Timestamp,
    /// Addresses the device was last seen at (hints for dialling; not signed).
    pub addrs: Vec<String>,
    /// Admitted by a record that counts.
    pub valid: bool,
    /// Revoked by an admin (and not restored since).
    pub revoked: bool,
}

impl RosterEntry {
    /// On the roster and allowed in: validly signed and not revoked.
    pub fn active(&self) -> bool {
        self.valid && !self.revoked
    }
}

/// An invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub hash: String,
    pub party: String,
    pub role: Role,
    pub expires: Timestamp,
    pub issuer: DeviceId,
    /// The device that used it, if any.
    pub used_by: Option<DeviceId>,
    /// Signed by an active admin.
    pub valid: bool,
}

/// A revocation in force: who revoked the device, and what its revoker had of each document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub device: DeviceId,
    pub signer: DeviceId,
    pub at: Timestamp,
    /// Per document of the meeting, the heads its revoker had when revoking. The union over
    /// every revocation of the device in force counts (an admin extends it by signing another).
    pub cutoff: BTreeMap<DocId, Vec<automerge::ChangeHash>>,
}

/// The roster of a meeting as the rules see it, given the founding key this device pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterView {
    pub founder: DeviceId,
    pub entries: Vec<RosterEntry>,
    pub invites: Vec<Invite>,
    /// The revocations in force, for devices revoked now.
    pub revocations: Vec<Revocation>,
    /// Read from a meeting of schema version 1, whose roster any writer can still change
    /// until an admin converts it.
    pub legacy: bool,
    /// The meeting's named versions, signed by an admin, in the order of their records.
    pub versions: Vec<Version>,
}

/// A named, immutable version of a meeting: what its admin had of each document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub name: String,
    pub note: String,
    /// The admin who made it (its party comes from the roster).
    pub signer: DeviceId,
    pub at: Timestamp,
    pub heads: BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    /// Another version has the same name (made concurrently, say): both are kept.
    pub duplicate_name: bool,
}

impl RosterView {
    pub fn entry(&self, device: &DeviceId) -> Option<&RosterEntry> {
        self.entries.iter().find(|e| e.device == *device)
    }
    /// The role of an active device, `None` for anyone else.
    pub fn role_of(&self, device: &DeviceId) -> Option<Role> {
        self.entry(device).filter(|e| e.active()).map(|e| e.role)
    }
    /// The active devices.
    pub fn active(&self) -> impl Iterator<Item = &RosterEntry> {
        self.entries.iter().filter(|e| e.active())
    }
    /// Whether the device is on the roster and revoked.
    pub fn is_revoked(&self, device: &DeviceId) -> bool {
        self.entry(device).is_some_and(|e| e.revoked)
    }
    /// The revocations in force for `device`.
    pub fn revocations_of<'a>(
        &'a self,
        device: &'a DeviceId,
    ) -> impl Iterator<Item = &'a Revocation> + 'a {
        self.revocations.iter().filter(move |r| r.device == *device)
    }
}

fn records_map<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    obj(doc, RECORDS)?
        .ok_or_else(|| ModelError::malformed(KIND, "records is missing: the meeting has no roster"))
}

fn obj<D: ReadDoc>(doc: &D, key: &str) -> Result<Option<ObjId>> {
    Ok(match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

/// Creates the roster's containers in a new meeting (with the meeting, never lazily, so that
/// no two devices create them).
pub(crate) fn create_containers<T: Transactable>(tx: &mut T) -> Result<()> {
    tx.put_object(ROOT, RECORDS, ObjType::Map)?;
    tx.put_object(ROOT, ADDRS, ObjType::Map)?;
    Ok(())
}

fn put_record<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    key: &DeviceKey,
    at: Timestamp,
    fact: Fact,
) -> Result<()> {
    let records = records_map(tx)?;
    let bytes = Record::encode(meeting, key, at, fact);
    let k = record_key(&bytes);
    if tx.get(&records, k.as_str())?.is_none() {
        tx.put(&records, k, ScalarValue::Bytes(bytes))?;
    }
    Ok(())
}

/// A meeting of schema version 1 is converted before anything is written to its roster.
fn writable<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    now: Timestamp,
) -> Result<()> {
    if legacy::is_legacy(tx)? {
        convert_legacy(tx, meeting, founder, signer, now)?;
    }
    Ok(())
}

/// Starts the roster of a new meeting: the founding device signs its own admin entry.
pub fn found<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    key: &DeviceKey,
    party: &str,
    name: &str,
    now: Timestamp,
) -> Result<()> {
    schema::expect(tx, KIND)?;
    if tx.get(ROOT, FOUNDER)?.is_none() {
        tx.put(ROOT, FOUNDER, key.device().to_string())?;
    }
    write_entry(
        tx,
        meeting,
        key,
        &key.device(),
        party,
        Role::Admin,
        name,
        now,
    )
}

/// Adds (or re-signs) a device's entry; a revoked device added again is no longer revoked.
/// The signer must be an active admin under `founder`.
#[allow(clippy::too_many_arguments)]
pub fn add_device<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    device: &DeviceId,
    party: &str,
    role: Role,
    name: &str,
    now: Timestamp,
) -> Result<()> {
    writable(tx, meeting, founder, signer, now)?;
    require_admin(tx, meeting, founder, &signer.device())?;
    write_entry(tx, meeting, signer, device, party, role, name, now)
}

#[allow(clippy::too_many_arguments)]
fn write_entry<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    signer: &DeviceKey,
    device: &DeviceId,
    party: &str,
    role: Role,
    name: &str,
    now: Timestamp,
) -> Result<()> {
    if party.trim().is_empty() {
        return Err(ModelError::invalid(
            "party",
            "a device must belong to a party",
        ));
    }
    put_record(
        tx,
        meeting,
        signer,
        now,
        Fact::Admit {
            device: *device.as_bytes(),
            party: party.to_string(),
            role,
            name: name.to_string(),
        },
    )
}

/// Records where a device can be reached (its own, unsigned hint).
pub fn set_addrs<T: Transactable>(tx: &mut T, device: &DeviceId, addrs: &[String]) -> Result<()> {
    if legacy::is_legacy(tx)? {
        return legacy::set_addrs(tx, device, addrs);
    }
    let map = obj(tx, ADDRS)?.ok_or_else(|| {
        ModelError::malformed(KIND, "addrs is missing: the meeting has no roster")
    })?;
    let current = match tx.get(&map, device.to_string())? {
        Some((automerge::Value::Object(ObjType::List), l)) => schema::string_list(tx, &l),
        _ => Vec::new(),
    };
    if current == addrs {
        return Ok(());
    }
    let l = tx.put_object(&map, device.to_string(), ObjType::List)?;
    for (i, a) in addrs.iter().enumerate() {
        tx.insert(&l, i, a.as_str())?;
    }
    Ok(())
}

/// Revokes a device, recording `cutoff`: the heads this device has of each of the meeting's
/// documents. The signer must be an active admin; the founder cannot be revoked.
#[allow(clippy::too_many_arguments)]
pub fn revoke<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    device: &DeviceId,
    cutoff: &BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    now: Timestamp,
) -> Result<()> {
    writable(tx, meeting, founder, signer, now)?;
    require_admin(tx, meeting, founder, &signer.device())?;
    if device == founder {
        return Err(ModelError::invalid(
            "revocation",
            "the founding device of a meeting cannot be revoked",
        ));
    }
    let view = read(tx, meeting, founder)?;
    if view.entry(device).is_none() {
        return Err(ModelError::invalid(
            "device",
            format!("{} is not on the roster", device.short()),
        ));
    }
    let cutoff = heads_list(cutoff);
    put_record(
        tx,
        meeting,
        signer,
        now,
        Fact::Revoke {
            device: *device.as_bytes(),
            cutoff,
        },
    )
}

/// Undoes a device's revocation. The signer must be an active admin.
pub fn restore<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    device: &DeviceId,
    now: Timestamp,
) -> Result<()> {
    writable(tx, meeting, founder, signer, now)?;
    require_admin(tx, meeting, founder, &signer.device())?;
    let view = read(tx, meeting, founder)?;
    if !view.is_revoked(device) {
        return Err(ModelError::invalid(
            "device",
            format!("{} is not revoked", device.short()),
        ));
    }
    put_record(
        tx,
        meeting,
        signer,
        now,
        Fact::Restore {
            device: *device.as_bytes(),
        },
    )
}

/// Records an invitation (only the hash of its secret), signed by an active admin.
#[allow(clippy::too_many_arguments)]
pub fn invite<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    issuer: &DeviceKey,
    secret: &[u8; 32],
    party: &str,
    role: Role,
    expires: Timestamp,
) -> Result<()> {
    writable(tx, meeting, founder, issuer, expires)?;
    require_admin(tx, meeting, founder, &issuer.device())?;
    if party.trim().is_empty() {
        return Err(ModelError::invalid("party", "an invitation is for a party"));
    }
    put_record(
        tx,
        meeting,
        issuer,
        // An invitation's record carries no time of its own beyond its expiry.
        expires,
        Fact::Invite {
            hash: invite_hash(secret),
            party: party.to_string(),
            role,
            expires: expires.as_millisecond(),
        },
    )
}

/// Why a join request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefusal {
    #[error("this invitation is not known to the host")]
    Unknown,
    #[error("this invitation was already used")]
    Used,
    #[error("this invitation expired on {0}")]
    Expired(Timestamp),
    #[error("this invitation was not issued by an admin of the meeting")]
    NotSigned,
    #[error("the host may not add devices to this meeting")]
    HostNotAdmin,
    #[error("this device was revoked from the meeting; only an admin can restore it")]
    Revoked,
}

/// The host's side of a join: checks the secret against an unused, unexpired, validly signed
/// invitation and that the device is not revoked, then signs the joining device's entry and
/// the invitation's use — in one transaction, so an invitation is used once, and only by a
/// join that was admitted.
#[allow(clippy::too_many_arguments)]
pub fn admit<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    host: &DeviceKey,
    secret: &[u8; 32],
    device: &DeviceId,
    name: &str,
    now: Timestamp,
) -> Result<std::result::Result<RosterEntry, JoinRefusal>> {
    let view = read(tx, meeting, founder)?;
    if view.is_revoked(device) {
        return Ok(Err(JoinRefusal::Revoked));
    }
    // A device on the roster asking again (a lost answer, a second ticket) is let in as it
    // is, and uses up nothing.
    if let Some(e) = view.entry(device).filter(|e| e.active()) {
        return Ok(Ok(e.clone()));
    }
    let hash = invite_hash(secret);
    let Some(inv) = view.invites.iter().find(|i| i.hash == hash) else {
        return Ok(Err(JoinRefusal::Unknown));
    };
    if let Some(used) = inv.used_by {
        // Asking again from the device that used it is fine (a lost response).
        if used != *device {
            return Ok(Err(JoinRefusal::Used));
        }
    }
    if inv.expires <= now {
        return Ok(Err(JoinRefusal::Expired(inv.expires)));
    }
    if !inv.valid {
        return Ok(Err(JoinRefusal::NotSigned));
    }
    if view.role_of(&host.device()) != Some(Role::Admin) {
        return Ok(Err(JoinRefusal::HostNotAdmin));
    }
    let (party, role) = (inv.party.clone(), inv.role);
    writable(tx, meeting, founder, host, now)?;
    write_entry(tx, meeting, host, device, &party, role, name, now)?;
    put_record(
        tx,
        meeting,
        host,
        now,
        Fact::Consume {
            hash,
            device: *device.as_bytes(),
        },
    )?;
    let view = read(tx, meeting, founder)?;
    Ok(Ok(view.entry(device).cloned().expect("just written")))
}

fn require_admin<D: ReadDoc>(
    doc: &D,
    meeting: &DocId,
    founder: &DeviceId,
    who: &DeviceId,
) -> Result<()> {
    let view = read(doc, meeting, founder)?;
    if view.role_of(who) != Some(Role::Admin) {
        return Err(ModelError::invalid(
            "roster change",
            format!("device {} is not an admin of this meeting", who.short()),
        ));
    }
    Ok(())
}

/// Rewrites a version-1 roster as records signed by `signer` (an active admin under
/// `founder`): every valid entry, revocation and invitation, the invitations' use, and every
/// device's addresses; then marks the meeting version 2. What the old maps say afterwards
/// counts for nothing.
pub fn convert_legacy<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    now: Timestamp,
) -> Result<()> {
    let old = legacy::read(tx, meeting, founder, &SignatureCache::new())?;
    if old.role_of(&signer.device()) != Some(Role::Admin) {
        return Err(ModelError::invalid(
            "roster change",
            format!(
                "device {} is not an admin of this meeting, so it cannot convert its roster",
                signer.device().short()
            ),
        ));
    }
    create_containers(tx)?;
    for e in old.entries.iter().filter(|e| e.valid) {
        let fact = Fact::Admit {
            device: *e.device.as_bytes(),
            party: e.party.clone(),
            role: e.role,
            name: e.name.clone(),
        };
        put_record(tx, meeting, signer, e.issued, fact)?;
        if !e.addrs.is_empty() {
            set_addrs(tx, &e.device, &e.addrs)?;
        }
    }
    for e in old.entries.iter().filter(|e| e.valid && e.revoked) {
        let fact = Fact::Revoke {
            device: *e.device.as_bytes(),
            cutoff: Vec::new(),
        };
        put_record(tx, meeting, signer, now, fact)?;
    }
    for i in old.invites.iter().filter(|i| i.valid) {
        let fact = Fact::Invite {
            hash: i.hash.clone(),
            party: i.party.clone(),
            role: i.role,
            expires: i.expires.as_millisecond(),
        };
        put_record(tx, meeting, signer, i.expires, fact)?;
        if let Some(d) = i.used_by {
            let fact = Fact::Consume {
                hash: i.hash.clone(),
                device: *d.as_bytes(),
            };
            put_record(tx, meeting, signer, now, fact)?;
        }
    }
    schema::set_version(tx, KIND)?;
    Ok(())
}

/// The founding device the document names (compare it with the pinned one).
pub fn stated_founder<D: ReadDoc>(doc: &D) -> Result<Option<DeviceId>> {
    Ok(schema::string(doc, &ROOT, FOUNDER)?.and_then(|s| s.parse().ok()))
}

/// Where a record was written: the Lamport counter and actor of the operation that put it.
pub type Position = (u64, Vec<u8>);

/// Every record of the meeting whose signature is good, with its position (the op that wrote
/// it: Lamport counter, then actor), earliest first. Values that are not good records, or are
/// stored under another key than their hash, count for nothing.
pub fn records<D: ReadDoc>(
    doc: &D,
    meeting: &DocId,
    cache: &SignatureCache,
) -> Result<Vec<(Position, Record)>> {
    // Two admins converting a version-1 meeting at once each make a records map: both count.
    let maps: Vec<ObjId> = doc
        .get_all(ROOT, RECORDS)?
        .into_iter()
        .filter(|(v, _)| matches!(v, automerge::Value::Object(ObjType::Map)))
        .map(|(_, id)| id)
        .collect();
    let mut out = Vec::new();
    for map in &maps {
        for key in doc.keys(map) {
            let mut best: Option<(Position, Record)> = None;
            for (value, id) in doc.get_all(map, key.as_str())? {
                let automerge::Value::Scalar(s) = value else {
                    continue;
                };
                let ScalarValue::Bytes(bytes) = s.as_ref() else {
                    continue;
                };
                if record_key(bytes) != key {
                    continue;
                }
                let ObjId::Id(counter, actor, _) = id else {
                    continue;
                };
                let Ok(rec) = Record::decode(meeting, bytes, cache) else {
                    continue;
                };
                let pos = (counter, actor.to_bytes().to_vec());
                if best.as_ref().is_none_or(|(p, _)| pos < *p) {
                    best = Some((pos, rec));
                }
            }
            out.extend(best);
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.1 == b.1);
    Ok(out)
}

/// Reads the roster and decides, by the rules of the module docs, which facts count.
pub fn read<D: ReadDoc>(doc: &D, meeting: &DocId, founder: &DeviceId) -> Result<RosterView> {
    read_with(doc, meeting, founder, &SignatureCache::new())
}

/// [`read`], with the signature checks of earlier reads remembered in `cache`.
pub fn read_with<D: ReadDoc>(
    doc: &D,
    meeting: &DocId,
    founder: &DeviceId,
    cache: &SignatureCache,
) -> Result<RosterView> {
    schema::expect(doc, KIND)?;
    if legacy::is_legacy(doc)? {
        return legacy::read(doc, meeting, founder, cache);
    }
    /// What the records say of one device so far.
    #[derive(Default)]
    struct State {
        admitted: Option<(String, Role, String, DeviceId, Timestamp)>,
        revoked: bool,
        revocations: Vec<Revocation>,
    }
    let mut states: BTreeMap<DeviceId, State> = BTreeMap::new();
    let mut invites: BTreeMap<String, Invite> = BTreeMap::new();
    let is_admin = |states: &BTreeMap<DeviceId, State>, d: &DeviceId| -> bool {
        if d == founder {
            return true;
        }
        states
            .get(d)
            .is_some_and(|s| !s.revoked && matches!(s.admitted, Some((_, Role::Admin, _, _, _))))
    };
    let mut versions: Vec<Version> = Vec::new();
    for (_, rec) in records(doc, meeting, cache)? {
        if !is_admin(&states, &rec.signer) {
            continue; // signed by a device that was not then an active admin
        }
        match rec.fact {
            Fact::Admit {
                device,
                party,
                role,
                name,
            } => {
                let device = DeviceId::from_bytes(device);
                // The founder is an admin by its pinned key, whatever a record says.
                let role = if device == *founder {
                    Role::Admin
                } else {
                    role
                };
                let s = states.entry(device).or_default();
                s.admitted = Some((party, role, name, rec.signer, rec.at));
                s.revoked = false;
                s.revocations.clear();
            }
            Fact::Revoke { device, cutoff } => {
                let device = DeviceId::from_bytes(device);
                if device == *founder {
                    continue;
                }
                let cutoff = heads_map(cutoff);
                let s = states.entry(device).or_default();
                s.revoked = true;
                s.revocations.push(Revocation {
                    device,
                    signer: rec.signer,
                    at: rec.at,
                    cutoff,
                });
            }
            Fact::Restore { device } => {
                let s = states.entry(DeviceId::from_bytes(device)).or_default();
                s.revoked = false;
                s.revocations.clear();
            }
            Fact::Invite {
                hash,
                party,
                role,
                expires,
            } => {
                invites.entry(hash.clone()).or_insert(Invite {
                    hash,
                    party,
                    role,
                    expires: Timestamp::from_millisecond(expires).unwrap_or(Timestamp::UNIX_EPOCH),
                    issuer: rec.signer,
                    used_by: None,
                    valid: true,
                });
            }
            Fact::Unknown => {}
            Fact::Version { name, note, heads } => versions.push(Version {
                name,
                note,
                signer: rec.signer,
                at: rec.at,
                heads: heads_map(heads),
                duplicate_name: false,
            }),
            Fact::Consume { hash, device } => {
                if let Some(i) = invites.get_mut(&hash)
                    && i.used_by.is_none()
                {
                    i.used_by = Some(DeviceId::from_bytes(device));
                }
            }
        }
    }
    let addrs = addrs_of(doc)?;
    let mut revocations = Vec::new();
    let mut entries: Vec<RosterEntry> = Vec::new();
    for (device, s) in states {
        let Some((party, role, name, signer, issued)) = s.admitted else {
            continue; // revoked or restored before it was ever admitted: not on the roster
        };
        if s.revoked {
            revocations.extend(s.revocations);
        }
        entries.push(RosterEntry {
            device,
            party,
            role,
            name,
            signer,
            issued,
            addrs: addrs.get(&device).cloned().unwrap_or_default(),
            valid: true,
            revoked: s.revoked,
        });
    }
    // An invitation issued by an admin who is revoked now can no longer be used.
    let live_admin = |d: &DeviceId| {
        *d == *founder
            || entries
                .iter()
                .any(|e| e.device == *d && e.active() && e.role == Role::Admin)
    };
    let invites: Vec<Invite> = invites
        .into_values()
        .map(|mut i| {
            i.valid = live_admin(&i.issuer);
            i
        })
        .collect();
    // Founder first, then by time of admission.
    entries.sort_by_key(|e| (e.device != *founder, e.issued, e.device));
    for i in 0..versions.len() {
        let name = versions[i].name.clone();
        versions[i].duplicate_name = versions.iter().filter(|v| v.name == name).count() > 1;
    }
    Ok(RosterView {
        founder: *founder,
        entries,
        invites,
        revocations,
        legacy: false,
        versions,
    })
}

/// Heads per document as a record stores them, read back (documents with bad ids dropped).
fn heads_map(heads: Vec<(String, Vec<[u8; 32]>)>) -> BTreeMap<DocId, Vec<automerge::ChangeHash>> {
    heads
        .into_iter()
        .filter_map(|(d, heads)| {
            let d = DocId::new(d).ok()?;
            Some((d, heads.into_iter().map(automerge::ChangeHash).collect()))
        })
        .collect()
}

fn heads_list(heads: &BTreeMap<DocId, Vec<automerge::ChangeHash>>) -> Vec<(String, Vec<[u8; 32]>)> {
    heads
        .iter()
        .map(|(d, h)| (d.to_string(), h.iter().map(|h| h.0).collect()))
        .collect()
}

/// Records a named version of the meeting: `heads`, what this device has of each of its
/// documents. The signer must be an active admin (the penholder).
#[allow(clippy::too_many_arguments)]
pub fn create_version<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    name: &str,
    note: &str,
    heads: &BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    now: Timestamp,
) -> Result<()> {
    writable(tx, meeting, founder, signer, now)?;
    require_admin(tx, meeting, founder, &signer.device())?;
    if name.trim().is_empty() {
        return Err(ModelError::invalid(
            "version",
            "a version needs a name, like Rev.1",
        ));
    }
    put_record(
        tx,
        meeting,
        signer,
        now,
        Fact::Version {
            name: name.trim().to_string(),
            note: note.to_string(),
            heads: heads_list(heads),
        },
    )
}

fn addrs_of<D: ReadDoc>(doc: &D) -> Result<HashMap<DeviceId, Vec<String>>> {
    let mut out = HashMap::new();
    if let Some(map) = obj(doc, ADDRS)? {
        for item in doc.map_range(&map, ..) {
            let Ok(device) = item.key.parse::<DeviceId>() else {
                continue;
            };
            if let automerge::ValueRef::Object(ObjType::List) = item.value {
                out.insert(device, schema::string_list(doc, &item.id()));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as a later build might sign it: a kind of fact this build does not know.
    fn later_kind(meeting: &DocId, key: &DeviceKey) -> Vec<u8> {
        let body = postcard::to_stdvec(&Body {
            meeting: meeting.to_string(),
            at: 0,
            fact: vec![99, 1, 2, 3],
        })
        .unwrap();
        let mut msg = RECORD_DOMAIN.to_vec();
        msg.extend_from_slice(&body);
        let mut out = (body.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(&body);
        out.extend_from_slice(key.device().as_bytes());
        out.extend_from_slice(&key.sign(&msg));
        out
    }

    #[test]
    fn a_record_of_a_kind_this_build_does_not_know_is_kept_and_counts_for_nothing() {
        let meeting = DocId::new("m1").unwrap();
        let key = DeviceKey::from_secret(&[1; 32]);
        let bytes = later_kind(&meeting, &key);
        let rec = Record::decode(&meeting, &bytes, &SignatureCache::new()).unwrap();
        assert_eq!(rec.fact, Fact::Unknown);
        assert_eq!(rec.signer, key.device());
        // Its signature is still checked.
        let mut altered = bytes.clone();
        altered[6] ^= 1;
        assert!(Record::decode(&meeting, &altered, &SignatureCache::new()).is_err());
        // And a meeting holding it reads as without it.
        let mut doc = automerge::Automerge::new();
        let ctx = crate::ChangeCtx::new(key.device(), Timestamp::UNIX_EPOCH);
        crate::change(&mut doc, &ctx, |tx| {
            crate::meeting::create(tx, &crate::MeetingDetails::titled("M"))?;
            found(tx, &meeting, &key, "TS", "laptop", Timestamp::UNIX_EPOCH)
        })
        .unwrap();
        let before = read(&doc, &meeting, &key.device()).unwrap();
        crate::change(&mut doc, &ctx, |tx| {
            let map = records_map(tx)?;
            tx.put(&map, record_key(&bytes), ScalarValue::Bytes(bytes.clone()))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(read(&doc, &meeting, &key.device()).unwrap(), before);
    }
}
