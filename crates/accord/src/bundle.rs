//! Sneakernet bundles: every change of a meeting in one file, signed by the exporting device,
//! for a USB stick when no network reaches the other side.
//!
//! The file is small and self-describing:
//!
//! ```text
//! magic "ACCORDB\0" | version u8 = 1 | meeting id (u16 length + UTF-8) | signer (32 bytes)
//! | created (i64 seconds, big endian) | document count (u16)
//! | per document: id (u16 length + UTF-8), automerge save() bytes (u32 length + bytes)
//! | ed25519 signature (64 bytes) over "accord/bundle/1\0" followed by everything before it
//! ```
//!
//! Import checks everything before it changes anything, and the cheap checks before the
//! expensive ones. First the file's shape (every count and length within what the file holds,
//! before anything is allocated for it) and its signature; then that this device has joined the
//! meeting (its founding key is pinned — a bundle never adds a meeting, a ticket does); then that
//! the signer is an active admin or member on **this device's own copy** of the meeting's roster
//! under that key. Only then is any document in the bundle decoded: the meeting document merged
//! (on a copy) to learn which documents it lists, and every document checked to be one of them,
//! of the kind listed, of this meeting. Then each document is merged (idempotently: automerge
//! skips changes it has) and the new changes written durably, reporting how many were new.
//!
//! The roster the bundle brings does not count for the signer: reading it means decoding the
//! bundle's meeting document, whose cost (time, memory) whoever made the file chooses — a file
//! of a few kilobytes can decode into gigabytes — so a stranger's file would be decoded before
//! it is refused. A device that joined after this device last synced with the meeting is
//! therefore refused until this device syncs (the error says so); the roster entries the bundle
//! carries arrive with it once its signer is known.

use std::collections::{BTreeMap, BTreeSet};

use accord_model::{
    self as model, DeviceId, DeviceKey, DocId, DocKind, Role, automerge::Automerge, jiff::Timestamp,
};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use samod::{DocumentId, storage::StorageKey};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// The first bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"ACCORDB\0";
/// The format version this code writes and reads.
pub const VERSION: u8 = 1;
/// What the signature covers, before the bundle's bytes: binds it to this purpose.
const DOMAIN: &[u8] = b"accord/bundle/1\0";
const SIGNATURE_LEN: usize = 64;
/// The largest bundle file that is read. A meeting's documents are a few megabytes even
/// after days of negotiation; this leaves room for far larger ones and refuses, before
/// reading it, a file that is no bundle of a meeting (see [`crate::files`]).
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;
/// The fewest bytes a document takes in a bundle: its id's and its bytes' length fields.
const MIN_DOCUMENT: usize = 2 + 4;

/// A bundle's content: a meeting's documents as `automerge::save()` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    pub meeting: DocId,
    pub signer: DeviceId,
    pub created: Timestamp,
    /// The meeting document first, then the others.
    pub documents: Vec<(DocId, Vec<u8>)>,
}

impl Bundle {
    /// The signed file. The signer is `key`'s device, whatever `self.signer` says.
    pub fn encode(&self, key: &DeviceKey) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        put_str(&mut out, self.meeting.as_str());
        out.extend_from_slice(key.device().as_bytes());
        out.extend_from_slice(&self.created.as_second().to_be_bytes());
        out.extend_from_slice(&(self.documents.len() as u16).to_be_bytes());
        for (id, bytes) in &self.documents {
            put_str(&mut out, id.as_str());
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        }
        let sig = key.sign(&signed_message(&out));
        out.extend_from_slice(&sig);
        out
    }

    /// Reads a bundle and checks its signature. A truncated, tampered or foreign file gets
    /// an error that says which.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Bundle, BundleError> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(BundleError::NotABundle);
        }
        let mut r = Reader {
            bytes,
            at: MAGIC.len(),
        };
        let version = r.u8()?;
        if version != VERSION {
            return Err(BundleError::Version(version));
        }
        let meeting = DocId::new(r.str()?)
            .map_err(|_| BundleError::Malformed("the meeting id is not valid"))?;
        let signer = DeviceId::from_bytes(r.take(32)?.try_into().expect("32 bytes"));
        let created = i64::from_be_bytes(r.take(8)?.try_into().expect("8 bytes"));
        let created = Timestamp::from_second(created)
            .map_err(|_| BundleError::Malformed("the creation time is out of range"))?;
        let count = u16::from_be_bytes(r.take(2)?.try_into().expect("2 bytes")) as usize;
        // Every count and length is held against what the file has left before anything is
        // allocated for it: a document takes at least its two length fields.
        if count.saturating_mul(MIN_DOCUMENT) > r.left() {
            return Err(BundleError::Overlong {
                what: format!("{count} documents"),
                claimed: count.saturating_mul(MIN_DOCUMENT),
                left: r.left(),
            });
        }
        let mut documents = Vec::with_capacity(count);
        for _ in 0..count {
            let id = DocId::new(r.str()?)
                .map_err(|_| BundleError::Malformed("a document id is not valid"))?;
            let len = u32::from_be_bytes(r.take(4)?.try_into().expect("4 bytes")) as usize;
            if len > r.left() {
                return Err(BundleError::Overlong {
                    what: format!("document {id}"),
                    claimed: len,
                    left: r.left(),
                });
            }
            documents.push((id, r.take(len)?.to_vec()));
        }
        let body = r.at;
        let sig = r.take(SIGNATURE_LEN)?;
        if r.at != bytes.len() {
            return Err(BundleError::Malformed(
                "there are bytes after the signature",
            ));
        }
        let ok = VerifyingKey::from_bytes(signer.as_bytes())
            .ok()
            .zip(Signature::from_slice(sig).ok())
            .is_some_and(|(k, s)| k.verify(&signed_message(&bytes[..body]), &s).is_ok());
        if !ok {
            return Err(BundleError::BadSignature);
        }
        Ok(Bundle {
            meeting,
            signer,
            created,
            documents,
        })
    }
}

/// Why a file is not a usable bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    #[error("it is not an Accord bundle")]
    NotABundle,
    #[error("it is a bundle of format version {0}, which this version of Accord does not know")]
    Version(u8),
    #[error("it is truncated (the file ends too early)")]
    Truncated,
    #[error(
        "it is truncated or malformed: it announces {what} of {claimed} bytes, the file has {left} left"
    )]
    Overlong {
        what: String,
        claimed: usize,
        left: usize,
    },
    #[error("it is malformed: {0}")]
    Malformed(&'static str),
    #[error("its signature does not match its content: the file was changed after it was signed")]
    BadSignature,
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(body);
    m
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> std::result::Result<&'a [u8], BundleError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or(BundleError::Truncated)?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    /// The bytes not read yet.
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }
    fn u8(&mut self) -> std::result::Result<u8, BundleError> {
        Ok(self.take(1)?[0])
    }
    fn str(&mut self) -> std::result::Result<String, BundleError> {
        let len = u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")) as usize;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| BundleError::Malformed("a text field is not UTF-8"))
    }
}

/// What an import did, per document.
#[derive(Debug, Clone, Serialize)]
pub struct BundleImported {
    pub meeting: DocId,
    pub signer: DeviceId,
    /// The signer's party and device name, from the roster.
    pub signer_party: String,
    pub signer_name: String,
    pub documents: Vec<DocumentImported>,
    /// The number of changes this device did not have, over all documents.
    pub new_changes: usize,
    /// Changes not taken: refused by the roster's rules (see `accord_model::admission`)…
    pub refused: usize,
    /// …or held, a revoked device's that its revoker did not have ([`Workspace::held`]).
    pub held: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentImported {
    pub id: DocId,
    pub kind: DocKind,
    pub new_changes: usize,
    /// The document was not in this profile before.
    pub created: bool,
}

fn refused(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", "", reason)
}

impl Workspace {
    /// Every document of a meeting, signed by this device.
    pub async fn export_bundle(&self, meeting: &DocId) -> Result<Vec<u8>> {
        let view = self.meeting(meeting).await?;
        let mut documents = vec![(meeting.clone(), self.saved_bytes(meeting).await?)];
        for r in &view.documents {
            match self.saved_bytes(&r.id).await {
                Ok(b) => documents.push((r.id.clone(), b)),
                Err(e) => {
                    tracing::warn!(doc = %r.id, error = %e, "document not in this profile; left out of the bundle")
                }
            }
        }
        let bundle = Bundle {
            meeting: meeting.clone(),
            signer: self.device(),
            created: Timestamp::now(),
            documents,
        };
        Ok(bundle.encode(&self.inner.key))
    }

    /// Merges a bundle into this profile. See the module docs for what is checked; a bundle
    /// that fails any check changes nothing.
    pub async fn import_bundle(&self, bytes: &[u8]) -> Result<BundleImported> {
        let b = Bundle::decode(bytes).map_err(|e| refused(e.to_string()))?;
        let meeting = b.meeting.clone();
        let joined = self
            .inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .contains_key(&meeting);
        if !joined {
            return Err(refused(format!(
                "it is for meeting {meeting}, which this device has not joined; join it with a ticket first"
            )));
        }
        let local = self.doc(&meeting).await?;
        if local.kind != DocKind::Meeting {
            return Err(Error::WrongKind {
                doc: meeting,
                expected: DocKind::Meeting,
                found: local.kind,
            });
        }
        // The signer, on this device's own copy of the roster, before anything in the bundle
        // is decoded: what a document costs to decode is up to whoever made the file.
        let roster = self.roster(&meeting).await?;
        let Some(entry) = roster.entry(&b.signer).filter(|e| e.active()).cloned() else {
            return Err(refused(format!(
                "it is signed by device {}, which is not on this device's copy of the roster of \
                 meeting {meeting}; if that device joined the meeting recently, sync with the \
                 meeting first (`accord sync`, or the app online) and import the bundle again",
                b.signer.short()
            )));
        };
        if entry.role == Role::Observer {
            return Err(refused(format!(
                "it is signed by device {} ({}), an observer, whose changes are not accepted",
                b.signer.short(),
                entry.party
            )));
        }
        // The meeting as it would be after the import: it lists the documents the bundle may
        // bring.
        let Some((_, meeting_bytes)) = b.documents.iter().find(|(id, _)| *id == meeting) else {
            return Err(refused("it does not contain the meeting document"));
        };
        let mut merged: Automerge = local.handle.with_document(|d| d.clone());
        merged
            .load_incremental(meeting_bytes)
            .map_err(|e| refused(format!("the meeting document in it is damaged: {e}")))?;
        let view = model::meeting::read(&merged)?;
        let allowed: BTreeMap<DocId, DocKind> = view
            .documents
            .iter()
            .map(|r| (r.id.clone(), r.kind))
            .chain([(meeting.clone(), DocKind::Meeting)])
            .collect();
        let mut seen = BTreeSet::new();
        for (id, bytes) in &b.documents {
            if !seen.insert(id.clone()) {
                return Err(refused(format!("document {id} appears twice")));
            }
            let Some(kind) = allowed.get(id) else {
                return Err(refused(format!(
                    "document {id} in it is not one of the meeting's documents"
                )));
            };
            let doc = Automerge::load(bytes)
                .map_err(|e| refused(format!("document {id} in it is damaged: {e}")))?;
            let found = model::schema::detect(&doc)?;
            if found != *kind {
                return Err(refused(format!(
                    "document {id} in it is a {found} document, the meeting lists a {kind}"
                )));
            }
            if *kind != DocKind::Meeting
                && model::schema::meeting_of(&doc)?.as_ref() != Some(&meeting)
            {
                return Err(refused(format!(
                    "document {id} in it belongs to another meeting"
                )));
            }
            id.as_str()
                .parse::<DocumentId>()
                .map_err(|_| refused(format!("document id {id} is not valid")))?;
        }

        // Everything checked: apply. Documents new to this profile go to the store first and
        // the meeting (which lists them) last, so nothing looks for a listed document before it
        // is there: the repository remembers a document it looked for and did not find until the
        // profile is opened again.
        let stored: BTreeSet<String> = self.inner.store.document_ids()?.into_iter().collect();
        let known = |id: &DocId| {
            self.inner.docs.lock().expect("docs lock").contains_key(id)
                || stored.contains(id.as_str())
        };
        let mut order: Vec<&(DocId, Vec<u8>)> = b.documents.iter().collect();
        order.sort_by_key(|(id, _)| (known(id), *id == meeting));
        let mut documents = Vec::new();
        let (mut refused_n, mut held_n) = (0, 0);
        let from = format!("bundle signed by {}", b.signer.short());
        for (id, bytes) in order {
            let kind = allowed[id];
            // Each change is admitted as a peer's would be: the roster's records cannot be
            // rewritten, observers and revoked devices do not get changes in through a bundle.
            let incoming = Automerge::load(bytes)
                .map_err(|e| refused(format!("document {id} in it is damaged: {e}")))?
                .get_changes(&[]);
            let taken = self.sort_arrived(id, incoming, &from).await;
            refused_n += taken.refused;
            held_n += taken.held;
            let accepted = taken.accepted;
            let (new_changes, created) = if known(id) {
                let d = self.doc(id).await?;
                let store = &self.inner.store;
                let n = d.handle.with_document(|doc| -> Result<usize> {
                    let before = doc.get_heads();
                    doc.apply_changes(accepted)
                        .map_err(|e| refused(format!("document {id} could not be merged: {e}")))?;
                    let new = doc.get_changes(&before);
                    for ch in &new {
                        let key = StorageKey::incremental_path(&d.samod_id, ch.hash());
                        drop(store.put_durable(&key, ch.raw_bytes().to_vec()));
                    }
                    Ok(new.len())
                })?;
                (n, false)
            } else {
                // A document this profile has never seen: write its changes to the store,
                // where the repository finds it.
                let samod_id: DocumentId = id.as_str().parse().expect("checked above");
                for ch in &accepted {
                    let key = StorageKey::incremental_path(&samod_id, ch.hash());
                    drop(self.inner.store.put_durable(&key, ch.raw_bytes().to_vec()));
                }
                self.flush().await?;
                if let Err(e) = self.doc(id).await {
                    tracing::warn!(doc = %id, error = %e, "imported document not opened");
                }
                (accepted.len(), true)
            };
            documents.push(DocumentImported {
                id: id.clone(),
                kind,
                new_changes,
                created,
            });
        }
        self.flush().await?;
        self.refresh_meeting(&meeting);
        let new_changes = documents.iter().map(|d| d.new_changes).sum();
        Ok(BundleImported {
            meeting,
            signer: b.signer,
            signer_party: entry.party.clone(),
            signer_name: entry.name.clone(),
            documents,
            new_changes,
            refused: refused_n,
            held: held_n,
        })
    }
}
