//! The roster as meetings of schema version 1 store it: plain maps of signed entries, which
//! any writer of the document could delete or overwrite. Read only, so that such a meeting
//! still shows who is on it until an admin converts it ([`super::convert_legacy`]); nothing
//! new is written in this shape.
//!
//! ```text
//! roster:  { <device hex>: { party, role, name, signer, issued (ms), sig (bytes), addrs: [str] } }
//! revoked: { <device hex>: { signer, at (ms), sig } }
//! invites: { <sha256(secret) hex>: { party, role, expires (ms), issuer, sig, used_by } }
//! ```

use std::collections::{BTreeMap, HashMap};

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use jiff::Timestamp;

use super::{Invite, Role, RosterEntry, RosterView, SignatureCache};
use crate::error::{ModelError, Result};
use crate::ids::{DeviceId, DocId};
use crate::schema;

pub(crate) const ROSTER: &str = "roster";
pub(crate) const REVOKED: &str = "revoked";
pub(crate) const INVITES: &str = "invites";

/// Whether the meeting keeps its roster in the version-1 maps.
pub(crate) fn is_legacy<D: ReadDoc>(doc: &D) -> Result<bool> {
    Ok(obj(doc, ROSTER)?.is_some() && obj(doc, super::RECORDS)?.is_none())
}

fn obj<D: ReadDoc>(doc: &D, key: &str) -> Result<Option<ObjId>> {
    Ok(match doc.get(ROOT, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
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

/// Reads a version-1 roster by its rules (see the module docs).
pub(crate) fn read<D: ReadDoc>(
    doc: &D,
    meeting: &DocId,
    founder: &DeviceId,
    cache: &SignatureCache,
) -> Result<RosterView> {
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
    if let Some(roster) = obj(doc, ROSTER)? {
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
    if let Some(rev) = obj(doc, REVOKED)? {
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
    if let Some(inv) = obj(doc, INVITES)? {
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
        revocations: Vec::new(),
        legacy: true,
        versions: Vec::new(),
    })
}

/// Records where a device can be reached, in its version-1 entry (its own, unsigned hint).
pub(crate) fn set_addrs<T: Transactable>(
    tx: &mut T,
    device: &DeviceId,
    addrs: &[String],
) -> Result<()> {
    let Some(roster) = obj(tx, ROSTER)? else {
        return Err(ModelError::invalid("device", "the meeting has no roster"));
    };
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
