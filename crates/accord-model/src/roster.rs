//! The roster: which devices may read and write a meeting's documents, with which party and
//! role — and the invitations that let new devices join.
//!
//! Entries are signed (ed25519, with the device keys that are also the devices' iroh keys)
//! by the meeting's founding device, or by an admin whose own entry is validly signed. An
//! entry with a missing or bad signature counts for nothing, whoever wrote it into the
//! document: the document is shared with every roster device, so its content alone must not
//! grant access. The founding key is pinned outside the document (by the founder itself, and
//! by joiners from their ticket), so rewriting the `founder` field gains nothing either.
//!
//! Stored shape, in the meeting document:
//!
//! ```text
//! founder: <device hex>
//! roster:  { <device hex>: { party, role, name, signer, issued (ms), sig (bytes), addrs: [str] } }
//! revoked: { <device hex>: { signer, at (ms), sig } }
//! invites: { <sha256(secret) hex>: { party, role, expires (ms), issuer, sig, used_by } }
//! ```
//!
//! Signing is deterministic (ed25519), so it needs no RNG; times come in as arguments.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
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
pub(crate) const ROSTER: &str = "roster";
pub(crate) const REVOKED: &str = "revoked";
pub(crate) const INVITES: &str = "invites";

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
/// (per workspace) and passes it to [`read_with`]. Holds at most a few thousand results.
#[derive(Debug, Default)]
pub struct SignatureCache {
    seen: RefCell<HashMap<[u8; 32], bool>>,
}

impl SignatureCache {
    const MAX: usize = 4096;

    pub fn new() -> Self {
        Self::default()
    }

    fn verify(&self, device: &DeviceId, msg: &[u8], sig: &[u8]) -> bool {
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

/// What a roster entry's signature covers. The meeting id binds it to one meeting.
fn entry_message(
    meeting: &DocId,
    device: &DeviceId,
    party: &str,
    role: Role,
    name: &str,
    issued: i64,
) -> Vec<u8> {
    format!("accord/roster/1\0{meeting}\0{device}\0{party}\0{role}\0{name}\0{issued}").into_bytes()
}

fn revoke_message(meeting: &DocId, device: &DeviceId, at: i64) -> Vec<u8> {
    format!("accord/revoke/1\0{meeting}\0{device}\0{at}").into_bytes()
}

fn invite_message(meeting: &DocId, hash: &str, party: &str, role: Role, expires: i64) -> Vec<u8> {
    format!("accord/invite/1\0{meeting}\0{hash}\0{party}\0{role}\0{expires}").into_bytes()
}

/// The hash under which an invitation's secret is recorded (the secret itself never is).
pub fn invite_hash(secret: &[u8; 32]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One device on the roster, as stored, with what the rules make of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub device: DeviceId,
    /// The party's name (as in the meeting's parties, or free text for a new party).
    pub party: String,
    pub role: Role,
    /// The device's name, for people.
    pub name: String,
    pub signer: DeviceId,
    pub issued: Timestamp,
    /// Addresses the device was last seen at (hints for dialling; not signed).
    pub addrs: Vec<String>,
    /// Validly signed by the founder or an admin.
    pub valid: bool,
    /// Revoked by an admin.
    pub revoked: bool,
}

impl RosterEntry {
    /// On the roster and allowed in: validly signed and not revoked.
    pub fn active(&self) -> bool {
        self.valid && !self.revoked
    }
}

/// An open invitation.
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

/// The roster of a meeting as the rules see it, given the founding key this device pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterView {
    pub founder: DeviceId,
    pub entries: Vec<RosterEntry>,
    pub invites: Vec<Invite>,
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
    tx.put(ROOT, FOUNDER, key.device().to_string())?;
    for k in [ROSTER, REVOKED, INVITES] {
        if schema_obj_opt(tx, k)?.is_none() {
            tx.put_object(ROOT, k, ObjType::Map)?;
        }
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

/// Adds (or re-signs) a device's entry. The signer must be an active admin under `founder`.
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
    let roster = map(tx, ROSTER)?;
    let issued = now.as_millisecond();
    let sig = signer.sign(&entry_message(meeting, device, party, role, name, issued));
    let e = tx.put_object(&roster, device.to_string(), ObjType::Map)?;
    tx.put(&e, "party", party)?;
    tx.put(&e, "role", role.as_str())?;
    tx.put(&e, "name", name)?;
    tx.put(&e, "signer", signer.device().to_string())?;
    tx.put(&e, "issued", ScalarValue::Timestamp(issued))?;
    tx.put(&e, "sig", ScalarValue::Bytes(sig))?;
    tx.put_object(&e, "addrs", ObjType::List)?;
    // A re-added device is no longer revoked.
    let revoked = map(tx, REVOKED)?;
    if tx.get(&revoked, device.to_string())?.is_some() {
        tx.delete(&revoked, device.to_string())?;
    }
    Ok(())
}

/// Records where a device can be reached (its own, unsigned hint).
pub fn set_addrs<T: Transactable>(tx: &mut T, device: &DeviceId, addrs: &[String]) -> Result<()> {
    let roster = map(tx, ROSTER)?;
    let Some((_, e)) = tx.get(&roster, device.to_string())? else {
        return Err(ModelError::invalid(
            "device",
            format!("{} is not on the roster", device.short()),
        ));
    };
    let current = match tx.get(&e, "addrs")? {
        Some((automerge::Value::Object(ObjType::List), l)) => schema::string_list(tx, &l),
        _ => Vec::new(),
    };
    if current == addrs {
        return Ok(());
    }
    let l = tx.put_object(&e, "addrs", ObjType::List)?;
    for (i, a) in addrs.iter().enumerate() {
        tx.insert(&l, i, a.as_str())?;
    }
    Ok(())
}

/// Revokes a device. The signer must be an active admin; the founder cannot be revoked.
pub fn revoke<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    founder: &DeviceId,
    signer: &DeviceKey,
    device: &DeviceId,
    now: Timestamp,
) -> Result<()> {
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
    let revoked = map(tx, REVOKED)?;
    let at = now.as_millisecond();
    let r = tx.put_object(&revoked, device.to_string(), ObjType::Map)?;
    tx.put(&r, "signer", signer.device().to_string())?;
    tx.put(&r, "at", ScalarValue::Timestamp(at))?;
    tx.put(
        &r,
        "sig",
        ScalarValue::Bytes(signer.sign(&revoke_message(meeting, device, at))),
    )?;
    Ok(())
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
    require_admin(tx, meeting, founder, &issuer.device())?;
    if party.trim().is_empty() {
        return Err(ModelError::invalid("party", "an invitation is for a party"));
    }
    let invites = map(tx, INVITES)?;
    let hash = invite_hash(secret);
    let exp = expires.as_millisecond();
    let i = tx.put_object(&invites, hash.as_str(), ObjType::Map)?;
    tx.put(&i, "party", party)?;
    tx.put(&i, "role", role.as_str())?;
    tx.put(&i, "expires", ScalarValue::Timestamp(exp))?;
    tx.put(&i, "issuer", issuer.device().to_string())?;
    tx.put(
        &i,
        "sig",
        ScalarValue::Bytes(issuer.sign(&invite_message(meeting, &hash, party, role, exp))),
    )?;
    tx.put(&i, "used_by", "")?;
    Ok(())
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
}

/// The host's side of a join: checks the secret against an unused, unexpired, validly signed
/// invitation, signs the joining device's entry and marks the invitation used — in one
/// transaction, so an invitation can be used once.
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
    write_entry(tx, meeting, host, device, &party, role, name, now)?;
    let invites = map(tx, INVITES)?;
    if let Some((_, i)) = tx.get(&invites, hash.as_str())? {
        tx.put(&i, "used_by", device.to_string())?;
    }
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

fn schema_obj_opt<D: ReadDoc>(doc: &D, key: &str) -> Result<Option<ObjId>> {
    Ok(match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

fn map<D: ReadDoc>(doc: &D, key: &str) -> Result<ObjId> {
    schema_obj_opt(doc, key)?.ok_or_else(|| {
        ModelError::malformed(KIND, format!("{key} is missing: the meeting has no roster"))
    })
}

/// The founding device the document names (compare it with the pinned one).
pub fn stated_founder<D: ReadDoc>(doc: &D) -> Result<Option<DeviceId>> {
    Ok(schema::string(doc, &ROOT, FOUNDER)?.and_then(|s| s.parse().ok()))
}

fn bytes<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Vec<u8>> {
    Ok(match doc.get(obj, key)? {
        Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Bytes(b) => b.clone(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    })
}

fn ts<D: ReadDoc>(doc: &D, obj: &ObjId, key: &str) -> Result<Option<i64>> {
    schema::int(doc, obj, key)
}

/// Reads the roster and decides, by the signature rules, which entries count. Entries that
/// cannot be parsed count for nothing (they are listed as invalid where possible).
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
    let verify = |device: &DeviceId, msg: &[u8], sig: &[u8]| cache.verify(device, msg, sig);
    struct Raw {
        party: String,
        role: Role,
        name: String,
        signer: DeviceId,
        issued: i64,
        sig: Vec<u8>,
        addrs: Vec<String>,
    }
    let mut raw: BTreeMap<DeviceId, Raw> = BTreeMap::new();
    if let Some(roster) = schema_obj_opt(doc, ROSTER)? {
        for item in doc.map_range(&roster, ..) {
            let Ok(device) = item.key.parse::<DeviceId>() else {
                continue;
            };
            let e = item.id();
            let get = |k: &str| schema::string(doc, &e, k).ok().flatten();
            let (Some(party), Some(role), Some(signer)) = (
                get("party"),
                get("role").and_then(|r| r.parse().ok()),
                get("signer").and_then(|s| s.parse().ok()),
            ) else {
                continue;
            };
            let addrs = match doc.get(&e, "addrs")? {
                Some((automerge::Value::Object(ObjType::List), l)) => schema::string_list(doc, &l),
                _ => Vec::new(),
            };
            raw.insert(
                device,
                Raw {
                    party,
                    role,
                    name: get("name").unwrap_or_default(),
                    signer,
                    issued: ts(doc, &e, "issued")?.unwrap_or(0),
                    sig: bytes(doc, &e, "sig")?,
                    addrs,
                },
            );
        }
    }
    // Revocations signed by someone; validity of the signer is checked below.
    let mut revocations: HashMap<DeviceId, (DeviceId, i64, Vec<u8>)> = HashMap::new();
    if let Some(rev) = schema_obj_opt(doc, REVOKED)? {
        for item in doc.map_range(&rev, ..) {
            let Ok(device) = item.key.parse::<DeviceId>() else {
                continue;
            };
            let r = item.id();
            let Some(signer) = schema::string(doc, &r, "signer")?.and_then(|s| s.parse().ok())
            else {
                continue;
            };
            revocations.insert(
                device,
                (
                    signer,
                    ts(doc, &r, "at")?.unwrap_or(0),
                    bytes(doc, &r, "sig")?,
                ),
            );
        }
    }
    // Validity: the founder's self-signed admin entry, then, until nothing changes, entries
    // signed by a valid admin (before that admin's own revocation, if any).
    let signature_ok = |d: &DeviceId, r: &Raw| {
        verify(
            &r.signer,
            &entry_message(meeting, d, &r.party, r.role, &r.name, r.issued),
            &r.sig,
        )
    };
    let mut valid: HashMap<DeviceId, Role> = HashMap::new();
    if let Some(f) = raw.get(founder)
        && f.signer == *founder
        && f.role == Role::Admin
        && signature_ok(founder, f)
    {
        valid.insert(*founder, Role::Admin);
    }
    let revoked_at = |d: &DeviceId, valid: &HashMap<DeviceId, Role>| -> Option<i64> {
        let (signer, at, sig) = revocations.get(d)?;
        (d != founder
            && valid.get(signer) == Some(&Role::Admin)
            && verify(signer, &revoke_message(meeting, d, *at), sig))
        .then_some(*at)
    };
    loop {
        let mut grew = false;
        for (d, r) in &raw {
            if valid.contains_key(d) || valid.get(&r.signer).is_none_or(|role| *role != Role::Admin)
            {
                continue;
            }
            if let Some(at) = revoked_at(&r.signer, &valid)
                && r.issued >= at
            {
                continue; // signed after the signer was revoked
            }
            if signature_ok(d, r) {
                valid.insert(*d, r.role);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let mut entries: Vec<RosterEntry> = raw
        .iter()
        .map(|(d, r)| RosterEntry {
            device: *d,
            party: r.party.clone(),
            role: r.role,
            name: r.name.clone(),
            signer: r.signer,
            issued: Timestamp::from_millisecond(r.issued).unwrap_or(Timestamp::UNIX_EPOCH),
            addrs: r.addrs.clone(),
            valid: valid.contains_key(d),
            revoked: revoked_at(d, &valid).is_some(),
        })
        .collect();
    // Founder first, then by time of admission.
    entries.sort_by_key(|e| (e.device != *founder, e.issued, e.device));
    let mut invites = Vec::new();
    if let Some(inv) = schema_obj_opt(doc, INVITES)? {
        for item in doc.map_range(&inv, ..) {
            let i = item.id();
            let get = |k: &str| schema::string(doc, &i, k).ok().flatten();
            let (Some(party), Some(role), Some(issuer)) = (
                get("party"),
                get("role").and_then(|r| r.parse::<Role>().ok()),
                get("issuer").and_then(|s| s.parse::<DeviceId>().ok()),
            ) else {
                continue;
            };
            let expires = ts(doc, &i, "expires")?.unwrap_or(0);
            let hash = item.key.to_string();
            let sig_ok = verify(
                &issuer,
                &invite_message(meeting, &hash, &party, role, expires),
                &bytes(doc, &i, "sig")?,
            );
            let issuer_ok =
                valid.get(&issuer) == Some(&Role::Admin) && revoked_at(&issuer, &valid).is_none();
            invites.push(Invite {
                hash,
                party,
                role,
                expires: Timestamp::from_millisecond(expires).unwrap_or(Timestamp::UNIX_EPOCH),
                issuer,
                used_by: get("used_by").and_then(|s| s.parse().ok()),
                valid: sig_ok && issuer_ok,
            });
        }
    }
    Ok(RosterView {
        founder: *founder,
        entries,
        invites,
    })
}
