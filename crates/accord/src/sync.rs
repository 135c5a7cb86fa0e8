//! Sharing a meeting with other devices: the network (`accord-net`), the access rules drawn
//! from each meeting's signed roster, invitations and joining, revocation, and sync status.
//!
//! Access is decided from caches that are refreshed whenever a meeting document changes
//! (locally or from a peer), so the share policy samod consults never touches a document.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use accord_model::automerge::ReadDoc as _;
use accord_model::{
    self as model, DeviceId, DeviceKey, DocId, DocKind, JoinRefusal, Role, RosterView,
    jiff::{SignedDuration, Timestamp},
};
use accord_net::{
    EndpointAddr, EndpointId, JoinHandler, Net, NetConfig, RelayUrl, Ticket, TransportAddr,
};
use rand::RngCore;
use samod::ShareConfig;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::error::{Error, Result};
use crate::pins::Pin;
use crate::share::{RosterAccess, device_of};
use crate::workspace::{Inner, Workspace};

/// How a workspace takes part in the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NetMode {
    /// No network (one-shot commands, tests of local behaviour).
    #[default]
    Off,
    /// Loopback only, no lookups (tests).
    Loopback,
    /// LAN only: mDNS, no relays, no DNS — nothing beyond the local network.
    Lan,
    /// mDNS, relays (n0's or the configured one) and DNS lookup.
    Online,
}

/// The party recorded for a device whose user has not said which party it belongs to.
pub(crate) const NO_PARTY: &str = "Unassigned";

/// How long a joiner waits for the meeting's documents after being admitted.
const JOIN_FETCH_TIMEOUT: Duration = Duration::from_secs(60);
/// Invitations are valid this long unless asked otherwise.
pub const DEFAULT_INVITE_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the access rules know, shared with the share policy samod consults.
#[derive(Debug)]
pub(crate) struct AccessState {
    /// Each meeting's roster under its pinned founder.
    /// Shared, so that the admission of each arriving sync message reads one without copying it.
    pub(crate) rosters: Mutex<HashMap<DocId, Arc<RosterView>>>,
    /// Which meeting each known document belongs to (a meeting to itself).
    pub(crate) doc_meeting: Mutex<HashMap<DocId, DocId>>,
    /// Meetings being joined, and the host we may fetch them from before we know the roster.
    pending: Mutex<HashMap<DocId, DeviceId>>,
    /// Bumped whenever any of the above changes; share decisions are re-evaluated.
    pub(crate) generation: watch::Sender<u64>,
    /// What each meeting document read as last, with the founder and heads it was read at:
    /// the meeting is re-read only when it changed (a meeting may list hundreds of documents,
    /// and every reconnection, open and address update refreshes it).
    read: Mutex<HashMap<DocId, MeetingRead>>,
}

/// A meeting document as the access rules read it.
#[derive(Debug, Clone)]
struct MeetingRead {
    founder: DeviceId,
    heads: Vec<automerge::ChangeHash>,
    roster: RosterView,
    docs: Vec<model::meeting::DocRef>,
}

impl AccessState {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(AccessState {
            rosters: Mutex::new(HashMap::new()),
            doc_meeting: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            generation: watch::channel(0).0,
            read: Mutex::new(HashMap::new()),
        })
    }

    fn bump(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    pub(crate) fn decide(&self, doc: &DocId, peer: &DeviceId) -> ShareConfig {
        let meeting = self
            .doc_meeting
            .lock()
            .expect("access lock")
            .get(doc)
            .cloned();
        let Some(meeting) = meeting else {
            // A document we do not know yet: only the host of a meeting we are joining
            // may send it (it is the meeting document we asked for).
            let pending = self.pending.lock().expect("access lock");
            return if pending.get(doc) == Some(peer) {
                ShareConfig::read_write()
            } else {
                ShareConfig::none()
            };
        };
        let role = self
            .rosters
            .lock()
            .expect("access lock")
            .get(&meeting)
            .and_then(|r| r.role_of(peer));
        match role {
            Some(Role::Admin | Role::Member) => ShareConfig::read_write(),
            Some(Role::Observer) => ShareConfig::read_only(),
            None => {
                let pending = self.pending.lock().expect("access lock");
                if pending.get(&meeting) == Some(peer) {
                    ShareConfig::read_write()
                } else {
                    ShareConfig::none()
                }
            }
        }
    }

    pub(crate) fn party_of(&self, meeting: &DocId, device: &DeviceId) -> Option<String> {
        self.rosters
            .lock()
            .expect("access lock")
            .get(meeting)
            .and_then(|r| r.entry(device))
            .filter(|e| e.active())
            .map(|e| e.party.clone())
    }

    pub(crate) fn known(&self, peer: &DeviceId) -> bool {
        self.rosters
            .lock()
            .expect("access lock")
            .values()
            .any(|r| r.role_of(peer).is_some())
            || self
                .pending
                .lock()
                .expect("access lock")
                .values()
                .any(|h| h == peer)
    }
}

/// The request a joining device sends to the host.
#[derive(Debug, Serialize, Deserialize)]
struct JoinRequest {
    meeting: String,
    /// The founding device the joiner pinned from the ticket (hex).
    founder: String,
    secret: String,
    name: String,
}

/// The host's refusal of a join whose ticket names another founder than the meeting's.
const FOUNDER_MISMATCH: &str = "the ticket names another founder than the host's meeting";

/// The host's answer.
#[derive(Debug, Serialize, Deserialize)]
struct JoinAnswer {
    party: String,
    role: Role,
}

/// Answers join requests with the workspace's rosters.
struct Host(Weak<Inner>);

impl JoinHandler for Host {
    async fn handle(
        &self,
        from: EndpointId,
        request: Vec<u8>,
    ) -> std::result::Result<Vec<u8>, String> {
        let Some(inner) = self.0.upgrade() else {
            return Err("the host is shutting down".into());
        };
        let ws = Workspace { inner };
        let req: JoinRequest = serde_json::from_slice(&request)
            .map_err(|_| "the join request is malformed".to_string())?;
        let meeting = DocId::new(req.meeting)
            .map_err(|_| "the join request names no valid meeting".to_string())?;
        let secret = parse_secret(&req.secret)
            .ok_or_else(|| "the join request has no valid secret".to_string())?;
        let founder = DeviceId::from_str(&req.founder)
            .map_err(|_| "the join request names no valid founder".to_string())?;
        // Before anything is used up or written: the joiner would pin this founder, so a
        // ticket naming another one must not cost the invitation nor a roster entry.
        if ws.founder_of(&meeting).is_ok_and(|f| f != founder) {
            return Err(FOUNDER_MISMATCH.into());
        }
        let name: String = req.name.chars().take(80).collect();
        match ws.admit(&meeting, &secret, &device_of(&from), &name).await {
            Ok(Ok(entry)) => Ok(serde_json::to_vec(&JoinAnswer {
                party: entry.party,
                role: entry.role,
            })
            .expect("answer encodes")),
            Ok(Err(refusal)) => Err(refusal.to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "join request failed on the host");
                Err(format!("the host could not admit you: {e}"))
            }
        }
    }
}

fn parse_secret(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An invitation made by [`Workspace::invite`].
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub ticket: String,
    pub qr_svg: String,
    pub party: String,
    pub role: Role,
    pub expires: Timestamp,
}

/// A device of a meeting's roster as a face shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PeerInfo {
    pub device: DeviceId,
    pub device_name: String,
    pub party: String,
    pub role: Role,
    /// Connected now: directly, or through the meeting's hub (its presence comes through).
    pub online: bool,
    /// It has all our changes to the meeting's documents and we have all of its (for a
    /// device reached through the hub: the hub has, and relays them).
    pub up_to_date: bool,
    pub revoked: bool,
    pub valid: bool,
    pub is_self: bool,
    /// Its changes held here: made after its revocation, not merged until an admin takes
    /// them in ([`Workspace::accept_held`]).
    pub held: usize,
}

/// A named version of a meeting, as this device has it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    #[serde(flatten)]
    pub version: model::Version,
    /// The party of the admin who made it, from the roster.
    pub party: Option<String>,
    /// Some of the changes it names have not arrived here yet: it cannot be read until they do.
    pub pending: bool,
}

/// One peer's sync state for one document.
#[derive(Debug, Clone, Serialize)]
pub struct DocPeerSync {
    pub device: DeviceId,
    /// It has every change we have of this document.
    pub they_have_ours: bool,
    /// We have every change it told us it has.
    pub we_have_theirs: bool,
}

/// The sync state of one document of a meeting with each connected peer.
#[derive(Debug, Clone, Serialize)]
pub struct DocSync {
    pub doc: DocId,
    pub kind: DocKind,
    pub peers: Vec<DocPeerSync>,
}

/// Whether the network is on and how it reaches others.
#[derive(Debug, Clone, Serialize)]
pub struct SyncState {
    /// `offline` (no network), `lan` or `online`.
    pub mode: &'static str,
    /// Devices online: connected directly, or heard from through a meeting's hub (their
    /// presence came through it in the last half minute).
    pub peers_online: usize,
    /// Devices with a sync connection to this one.
    pub peers_connected: usize,
    /// This device's address, for others to dial (when the network is on).
    pub addr: Option<String>,
}

/// What a revocation means, said plainly.
#[derive(Debug, Clone, Serialize)]
pub struct Revoked {
    pub device: DeviceId,
    pub message: String,
}

fn addr_strings(addr: &EndpointAddr) -> Vec<String> {
    addr.addrs
        .iter()
        .map(|a| match a {
            TransportAddr::Ip(sa) => sa.to_string(),
            TransportAddr::Relay(url) => format!("relay:{url}"),
            other => format!("{other:?}"),
        })
        .filter(|s| !s.starts_with("Custom"))
        .collect()
}

fn endpoint_addr(device: &DeviceId, hints: &[String]) -> Option<EndpointAddr> {
    let id = EndpointId::from_bytes(device.as_bytes()).ok()?;
    let mut addr = EndpointAddr::new(id);
    for h in hints {
        if let Some(url) = h.strip_prefix("relay:") {
            if let Ok(u) = RelayUrl::from_str(url) {
                addr = addr.with_relay_url(u);
            }
        } else if let Ok(sa) = h.parse::<SocketAddr>() {
            addr = addr.with_ip_addr(sa);
        }
    }
    Some(addr)
}

pub(crate) fn net_config(
    mode: NetMode,
    secret: [u8; 32],
    settings: &crate::Settings,
) -> Option<NetConfig> {
    let cfg = match mode {
        NetMode::Off => return None,
        NetMode::Loopback => NetConfig::loopback(secret),
        NetMode::Lan => NetConfig::lan_only(secret),
        NetMode::Online if settings.offline => NetConfig::lan_only(secret),
        NetMode::Online => {
            let mut c = NetConfig::online(secret);
            if let Some(url) = settings
                .relay_url
                .as_deref()
                .and_then(|u| RelayUrl::from_str(u).ok())
            {
                c = c.with_relay(url);
            }
            c
        }
    };
    Some(cfg)
}

impl Workspace {
    pub(crate) fn net(&self) -> Result<Arc<Net>> {
        self.inner
            .net
            .lock()
            .expect("net lock")
            .clone()
            .ok_or(Error::Offline)
    }

    /// Starts the network (after the repository), installs the join handler, and brings the
    /// access rules up to date for every meeting this device belongs to.
    pub(crate) async fn start_sync(&self, mode: NetMode, secret: [u8; 32]) -> Result<()> {
        let settings = self.settings();
        // Without a network nothing needs the rosters up front: meetings open on first use.
        let Some(cfg) = net_config(mode, secret, &settings) else {
            return Ok(());
        };
        let access = Arc::new(RosterAccess {
            state: self.inner.access.clone(),
            inner: Arc::downgrade(&self.inner),
        });
        let net = Net::spawn(
            cfg,
            self.inner.repo.clone(),
            self.inner.policy.clone(),
            access,
        )
        .await
        .map_err(|e| Error::Network(e.to_string()))?;
        net.set_join_handler(Host(Arc::downgrade(&self.inner)));
        // Peer up/down events join the workspace's one event stream.
        let mut peer_events = net.peer_events();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                let ev = match peer_events.recv().await {
                    Ok(ev) => ev,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                };
                let Some(inner) = weak.upgrade() else { return };
                let ev = match ev {
                    accord_net::PeerEvent::Up(id) => crate::Event::PeerUp {
                        device: device_of(&id),
                    },
                    accord_net::PeerEvent::Down(id) => crate::Event::PeerDown {
                        device: device_of(&id),
                    },
                };
                let _ = inner.events.send(ev);
                // A hub came or went: whom to keep connected to follows.
                Workspace { inner }.update_wanted();
            }
        });
        *self.inner.net.lock().expect("net lock") = Some(Arc::new(net));
        // The meetings load in the background, so that opening a profile (and the meeting
        // list, which comes from the index) never waits on how many meetings it holds. Until
        // a meeting is loaded its roster is unknown to the access rules: its devices are
        // neither dialled nor admitted for a moment, then dialled as soon as it is.
        let pinned = self.pinned_meetings();
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            for m in &pinned {
                let Some(inner) = weak.upgrade() else { return };
                let ws = Workspace { inner };
                match ws.doc(m).await {
                    Ok(_) => {
                        ws.refresh_meeting(m);
                        ws.publish_addrs(m).await;
                    }
                    Err(Error::Closed) => return,
                    Err(e) => {
                        tracing::warn!(meeting = %m, error = %e, "a pinned meeting is not in this profile")
                    }
                }
            }
            if let Some(inner) = weak.upgrade() {
                Workspace {
                    inner: inner.clone(),
                }
                .update_wanted();
                inner.loaded.send_replace(true);
            }
        });
        Ok(())
    }

    /// The meetings this device belongs to (pinned when it founded or joined them).
    fn pinned_meetings(&self) -> Vec<DocId> {
        let pins = self.inner.pins.lock().expect("pins lock");
        pins.meetings.keys().cloned().collect()
    }

    /// Writes this device's current addresses into its roster entry (a dialling hint).
    async fn publish_addrs(&self, meeting: &DocId) {
        let Ok(net) = self.net() else { return };
        let addrs = addr_strings(&net.addr());
        let me = self.device();
        let active = self
            .inner
            .access
            .rosters
            .lock()
            .expect("access lock")
            .get(meeting)
            .and_then(|r| r.role_of(&me))
            .is_some();
        if active
            && let Err(e) = self
                .edit(meeting, DocKind::Meeting, |tx| {
                    model::roster::set_addrs(tx, &me, &addrs)
                })
                .await
        {
            tracing::debug!(meeting = %meeting, error = %e, "addresses not published");
        }
    }

    /// Re-reads a meeting's roster and documents into the access rules; called whenever the
    /// meeting document changes.
    pub(crate) fn refresh_meeting(&self, meeting: &DocId) {
        let founder = self
            .inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .get(meeting)
            .map(|p| p.founder);
        let Some(founder) = founder else { return };
        let d = self
            .inner
            .docs
            .lock()
            .expect("docs lock")
            .get(meeting)
            .cloned();
        let Some(d) = d else { return };
        let last = self
            .inner
            .access
            .read
            .lock()
            .expect("access lock")
            .get(meeting)
            .cloned();
        let read = d.handle.with_document(|doc| -> model::Result<_> {
            let heads = doc.get_heads();
            if let Some(last) = last.filter(|l| l.founder == founder && l.heads == heads) {
                return Ok((last.roster, last.docs));
            }
            let cache = self.inner.signatures.lock().expect("signatures lock");
            let roster = model::roster::read_with(doc, meeting, &founder, &cache)?;
            let docs = model::meeting::documents(doc)?;
            self.inner.access.read.lock().expect("access lock").insert(
                meeting.clone(),
                MeetingRead {
                    founder,
                    heads,
                    roster: roster.clone(),
                    docs: docs.clone(),
                },
            );
            Ok((roster, docs))
        });
        let (roster, docs) = match read {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(meeting = %meeting, error = %e, "roster not readable");
                return;
            }
        };
        let before: BTreeSet<DeviceId> = self
            .inner
            .access
            .rosters
            .lock()
            .expect("access lock")
            .get(meeting)
            .map(|r| r.active().map(|e| e.device).collect())
            .unwrap_or_default();
        let after: BTreeSet<DeviceId> = roster.active().map(|e| e.device).collect();
        {
            let mut dm = self.inner.access.doc_meeting.lock().expect("access lock");
            dm.insert(meeting.clone(), meeting.clone());
            for r in docs {
                dm.insert(r.id, meeting.clone());
            }
        }
        if roster.role_of(&self.device()).is_some() {
            self.inner
                .access
                .pending
                .lock()
                .expect("access lock")
                .remove(meeting);
        }
        let roster = Arc::new(roster);
        let roster_changed = self
            .inner
            .access
            .rosters
            .lock()
            .expect("access lock")
            .insert(meeting.clone(), roster.clone())
            .is_none_or(|before| before != roster);
        self.inner.access.bump();
        if roster_changed && self.inner.held.lock().expect("held lock").any() {
            let ws = self.clone();
            let meeting = meeting.clone();
            tokio::spawn(async move { ws.release_held(&meeting).await });
        }
        if before != after {
            self.update_wanted();
            // Whoever left every roster loses its connections now.
            if let Ok(net) = self.net() {
                for gone in before.difference(&after) {
                    if !self.inner.access.known(gone)
                        && let Ok(id) = EndpointId::from_bytes(gone.as_bytes())
                    {
                        net.disconnect(id);
                    }
                }
            }
        }
    }

    /// Tells the network whom to keep connected to: every active roster device of every
    /// meeting, and hosts of meetings being joined.
    ///
    /// A meeting's founding device is its **hub**: while this device has a direct connection
    /// to it, this device keeps no other connection for that meeting, and the hub relays
    /// (samod forwards every change and presence message to its other peers). A room of
    /// thirty devices then moves each keystroke thirty times rather than nine hundred —
    /// with every device connected to every other, each one passes every change on to all
    /// the others. Without the hub (not there, or reached only through a relay server) every
    /// device connects to every other, as before.
    pub(crate) fn update_wanted(&self) {
        let Ok(net) = self.net() else { return };
        let me = self.device();
        let direct: HashSet<DeviceId> = net
            .peers()
            .iter()
            .filter(|p| p.kind != accord_net::ConnectionKind::Relay)
            .map(|p| device_of(&p.id))
            .collect();
        let founders: HashMap<DocId, DeviceId> = self
            .inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .iter()
            .map(|(m, p)| (m.clone(), p.founder))
            .collect();
        let mut hints: HashMap<DeviceId, Vec<String>> = HashMap::new();
        for (meeting, r) in self
            .inner
            .access
            .rosters
            .lock()
            .expect("access lock")
            .iter()
        {
            let hub = founders
                .get(meeting)
                .copied()
                .filter(|h| *h != me && r.role_of(h).is_some() && direct.contains(h));
            for e in r.active().filter(|e| e.device != me) {
                if hub.is_some_and(|h| h != e.device) {
                    continue; // reached through the hub
                }
                hints
                    .entry(e.device)
                    .or_default()
                    .extend(e.addrs.iter().cloned());
            }
        }
        let pins = self.inner.pins.lock().expect("pins lock").clone();
        let pending = self
            .inner
            .access
            .pending
            .lock()
            .expect("access lock")
            .clone();
        for (meeting, host) in &pending {
            let h = hints.entry(*host).or_default();
            if let Some(p) = pins.meetings.get(meeting) {
                h.extend(p.hosts.iter().cloned());
            }
        }
        for p in pins.meetings.values() {
            // Host hints belong to the host's device, which we only know by its addresses'
            // owner: the founder in most cases.
            if let Some(h) = hints.get_mut(&p.founder) {
                h.extend(p.hosts.iter().cloned());
            }
        }
        let addrs: Vec<EndpointAddr> = hints
            .iter()
            .filter_map(|(d, h)| endpoint_addr(d, h))
            .collect();
        if let Err(e) = net.set_wanted_peers(addrs) {
            tracing::warn!(error = %e, "wanted peers not updated");
        }
    }

    /// Pins a meeting this device founded or joined.
    pub(crate) fn pin(&self, meeting: &DocId, pin: Pin) -> Result<()> {
        let mut pins = self.inner.pins.lock().expect("pins lock");
        pins.meetings.insert(meeting.clone(), pin);
        pins.save(self.dir())
    }

    /// The party and name this device uses in rosters.
    pub(crate) fn identity(&self) -> (String, String) {
        let s = self.settings();
        let name = s
            .device_name
            .or_else(host_name)
            .unwrap_or_else(|| format!("device {}", self.device().short()));
        (s.party.unwrap_or_else(|| NO_PARTY.into()), name)
    }

    /// The device key, for signing roster entries.
    pub(crate) fn key(&self) -> &DeviceKey {
        &self.inner.key
    }

    fn founder_of(&self, meeting: &DocId) -> Result<DeviceId> {
        self.inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .get(meeting)
            .map(|p| p.founder)
            .ok_or_else(|| {
                Error::invalid(
                    "meeting",
                    meeting.to_string(),
                    "this device has not joined it",
                )
            })
    }

    /// The roster of a meeting, under the founding key this device pinned.
    pub async fn roster(&self, meeting: &DocId) -> Result<RosterView> {
        let founder = self.founder_of(meeting)?;
        self.read(meeting, DocKind::Meeting, |doc| {
            let cache = self.inner.signatures.lock().expect("signatures lock");
            model::roster::read_with(doc, meeting, &founder, &cache)
        })
        .await
    }

    /// Makes an invitation for one device of `party` with `role`, valid for `valid_for`.
    pub async fn invite(
        &self,
        meeting: &DocId,
        party: &str,
        role: Role,
        valid_for: Duration,
    ) -> Result<Invitation> {
        let net = self.net()?;
        let founder = self.founder_of(meeting)?;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let expires = Timestamp::now()
            + SignedDuration::try_from(valid_for)
                .map_err(|e| Error::invalid("expiry", format!("{valid_for:?}"), e.to_string()))?;
        let key = self.key().clone();
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::roster::invite(tx, meeting, &founder, &key, &secret, party, role, expires)
        })
        .await?;
        self.flush().await?;
        // Signed by this device, the host it names, so that no address in it can be changed.
        let ticket = net
            .sign_ticket(Ticket {
                meeting: meeting.to_string(),
                founding_key: *founder.as_bytes(),
                secret,
                party: party.to_string(),
                role: role.as_str().to_string(),
                expires: expires.as_second().max(0) as u64,
                host: net.addr(),
            })
            .map_err(|e| Error::Network(e.to_string()))?;
        let qr_svg = ticket
            .to_qr_svg()
            .map_err(|e| Error::Network(e.to_string()))?;
        Ok(Invitation {
            ticket: ticket.to_string(),
            qr_svg,
            party: party.to_string(),
            role,
            expires,
        })
    }

    /// The host's side of a join.
    async fn admit(
        &self,
        meeting: &DocId,
        secret: &[u8; 32],
        device: &DeviceId,
        name: &str,
    ) -> Result<std::result::Result<model::RosterEntry, JoinRefusal>> {
        let founder = self.founder_of(meeting)?;
        let key = self.key().clone();
        let now = Timestamp::now();
        let out = self
            .edit(meeting, DocKind::Meeting, |tx| {
                model::roster::admit(tx, meeting, &founder, &key, secret, device, name, now)
            })
            .await?;
        self.flush().await?;
        Ok(out)
    }

    /// Joins a meeting with a ticket: asks the host to admit this device, then fetches the
    /// meeting's documents. A reused, expired, forged or malformed ticket is refused with a
    /// clear error and changes nothing.
    pub async fn join(&self, ticket: &str) -> Result<DocId> {
        let net = self.net()?;
        let t: Ticket = ticket
            .trim()
            .parse()
            .map_err(|e: accord_net::TicketError| {
                Error::invalid("ticket", short(ticket), e.to_string())
            })?;
        let meeting = DocId::new(t.meeting.clone())
            .map_err(|e| Error::invalid("ticket", short(ticket), e.to_string()))?;
        if Timestamp::from_second(t.expires as i64).is_ok_and(|e| e <= Timestamp::now()) {
            return Err(Error::invalid(
                "ticket",
                short(ticket),
                "this invitation has expired; ask for a new one",
            ));
        }
        let founder = DeviceId::from_bytes(t.founding_key);
        let already = self
            .inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .contains_key(&meeting)
            && self.doc(&meeting).await.is_ok();
        if already
            && self
                .roster(&meeting)
                .await
                .is_ok_and(|r| r.is_revoked(&self.device()))
        {
            return Err(Error::JoinRefused(JoinRefusal::Revoked.to_string()));
        }
        let host = device_of(&t.host.id);
        let (_, name) = self.identity();
        let request = JoinRequest {
            meeting: meeting.to_string(),
            founder: founder.to_string(),
            secret: hex(&t.secret),
            name,
        };
        // Let the host in before asking, so its answer and the documents can flow.
        self.inner
            .access
            .pending
            .lock()
            .expect("access lock")
            .insert(meeting.clone(), host);
        let hosts = addr_strings(&t.host);
        let undo = |ws: &Workspace| {
            ws.inner
                .access
                .pending
                .lock()
                .expect("access lock")
                .remove(&meeting);
            ws.inner.access.bump();
            ws.update_wanted();
        };
        self.inner.access.bump();
        let answer = net
            .request_join(
                t.host.clone(),
                serde_json::to_vec(&request).expect("request encodes"),
            )
            .await;
        let answer = match answer {
            // Already joined: the host's word settles whether this device is still let in
            // (a revoked device learns it here); unreachable, it stays joined as it was.
            _ if already => {
                undo(self);
                return match answer {
                    Err(accord_net::NetError::JoinRefused { message, .. }) => {
                        Err(Error::JoinRefused(message))
                    }
                    _ => Ok(meeting),
                };
            }
            Ok(a) => a,
            Err(accord_net::NetError::JoinRefused { message, .. }) => {
                undo(self);
                return Err(Error::JoinRefused(message));
            }
            Err(e) => {
                undo(self);
                return Err(Error::Network(e.to_string()));
            }
        };
        let _answer: JoinAnswer = serde_json::from_slice(&answer).map_err(|_| {
            undo(self);
            Error::Network("the host's answer is malformed".into())
        })?;
        self.pin(
            &meeting,
            Pin {
                founder,
                hosts: hosts.clone(),
            },
        )?;
        // Fetch the meeting document from the host, then check it is the meeting the ticket
        // pinned.
        let mut hint = hosts;
        hint.sort();
        let host_addr = endpoint_addr(&host, &hint);
        if let Some(a) = host_addr {
            let mut wanted = net.wanted_peers();
            wanted.push(a);
            let _ = net.set_wanted_peers(wanted);
        }
        let d = self.fetch_doc(&meeting).await?.ok_or_else(|| {
            Error::Network(
                "admitted, but the host did not send the meeting in time; try `accord sync`".into(),
            )
        })?;
        let stated = d
            .handle
            .with_document(|doc| model::roster::stated_founder(doc))?;
        if stated != Some(founder) {
            let mut pins = self.inner.pins.lock().expect("pins lock");
            pins.meetings.remove(&meeting);
            let _ = pins.save(self.dir());
            return Err(Error::invalid(
                "ticket",
                short(ticket),
                "the host sent a meeting whose founder is not the one in the ticket",
            ));
        }
        self.refresh_meeting(&meeting);
        self.publish_addrs(&meeting).await;
        // And its other documents.
        let view = self.meeting(&meeting).await?;
        for r in view.documents {
            match self.fetch_doc(&r.id).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    tracing::warn!(doc = %r.id, "not sent in time; `accord sync` fetches it later")
                }
                Err(e) => tracing::warn!(doc = %r.id, error = %e, "not readable"),
            }
        }
        Ok(meeting)
    }

    /// Waits (up to [`JOIN_FETCH_TIMEOUT`]) until a document arrives from a peer; `None` if it
    /// did not arrive in time.
    async fn fetch_doc(&self, id: &DocId) -> Result<Option<Arc<crate::workspace::OpenDoc>>> {
        let found = tokio::time::timeout(JOIN_FETCH_TIMEOUT, async {
            loop {
                match self.doc(id).await {
                    Err(Error::NotFound(_)) => tokio::time::sleep(Duration::from_millis(200)).await,
                    other => return other,
                }
            }
        })
        .await;
        match found {
            Ok(d) => d.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Revokes a device: every device stops syncing with it as soon as it sees the change.
    ///
    /// The revocation records the heads this device has of each of the meeting's documents:
    /// the device's changes in those histories stay; any other change of it, arriving from
    /// anyone later, is held (see `admit`).
    pub async fn revoke(&self, meeting: &DocId, device: &DeviceId) -> Result<Revoked> {
        self.revoke_with(meeting, device, &std::collections::BTreeMap::new())
            .await
    }

    /// [`Workspace::revoke`], with `extra` changes of each document counted as had by this
    /// device: the held changes an admin takes in.
    pub(crate) async fn revoke_with(
        &self,
        meeting: &DocId,
        device: &DeviceId,
        extra: &std::collections::BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    ) -> Result<Revoked> {
        let founder = self.founder_of(meeting)?;
        let key = self.key().clone();
        let now = Timestamp::now();
        let mut cutoff = self.meeting_heads(meeting).await?;
        for (doc, hashes) in extra {
            cutoff
                .entry(doc.clone())
                .or_insert_with(Vec::new)
                .extend(hashes.iter().copied());
        }
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::roster::revoke(tx, meeting, &founder, &key, device, &cutoff, now)
        })
        .await?;
        self.flush().await?;
        Ok(Revoked {
            device: *device,
            message: format!(
                "device {} is revoked: it receives no new changes from now on, but what it already received stays on it",
                device.short()
            ),
        })
    }

    /// The heads this device has of each of a meeting's documents, the meeting's own included.
    pub(crate) async fn meeting_heads(
        &self,
        meeting: &DocId,
    ) -> Result<std::collections::BTreeMap<DocId, Vec<automerge::ChangeHash>>> {
        let docs = self
            .read(meeting, DocKind::Meeting, model::meeting::documents)
            .await?;
        let mut heads = std::collections::BTreeMap::new();
        for r in docs {
            if let Ok(d) = self.doc(&r.id).await {
                heads.insert(r.id, d.handle.with_document(|doc| doc.get_heads()));
            }
        }
        let own = self.doc(meeting).await?;
        heads.insert(
            meeting.clone(),
            own.handle.with_document(|doc| doc.get_heads()),
        );
        Ok(heads)
    }

    /// Records the meeting as it is now under `name` (this device must be an admin).
    pub async fn create_version(
        &self,
        meeting: &DocId,
        name: &str,
        note: &str,
    ) -> Result<VersionInfo> {
        let founder = self.founder_of(meeting)?;
        let key = self.key().clone();
        let now = Timestamp::now();
        let heads = self.meeting_heads(meeting).await?;
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::roster::create_version(tx, meeting, &founder, &key, name, note, &heads, now)
        })
        .await?;
        self.flush().await?;
        self.versions(meeting)
            .await?
            .into_iter()
            .rev()
            .find(|v| v.version.name == name.trim() && v.version.signer == key.device())
            .ok_or_else(|| Error::NotFound(meeting.clone()))
    }

    /// The meeting's versions, oldest first, each with its maker's party and whether every
    /// change it names has arrived here.
    pub async fn versions(&self, meeting: &DocId) -> Result<Vec<VersionInfo>> {
        let roster = self.roster(meeting).await?;
        let mut out = Vec::new();
        for v in roster.versions.iter().cloned() {
            let mut pending = false;
            for (doc, heads) in &v.heads {
                pending |= match self.doc(doc).await {
                    Ok(d) => d
                        .handle
                        .with_document(|d| !d.get_missing_deps(heads).is_empty()),
                    Err(_) => true,
                };
            }
            let party = roster.entry(&v.signer).map(|e| e.party.clone());
            out.push(VersionInfo {
                version: v,
                party,
                pending,
            });
        }
        Ok(out)
    }

    /// Undoes a device's revocation (this device must be an admin): it may connect again, and
    /// its changes held since are taken in.
    pub async fn restore(&self, meeting: &DocId, device: &DeviceId) -> Result<()> {
        let founder = self.founder_of(meeting)?;
        let key = self.key().clone();
        let now = Timestamp::now();
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::roster::restore(tx, meeting, &founder, &key, device, now)
        })
        .await?;
        self.flush().await?;
        Ok(())
    }

    /// The roster devices of a meeting, with whether each is online and up to date.
    pub async fn peers(&self, meeting: &DocId) -> Result<Vec<PeerInfo>> {
        let roster = self.roster(meeting).await?;
        let held = self.held(meeting);
        let online: BTreeSet<DeviceId> = match self.net() {
            Ok(net) => net.peers().iter().map(|p| device_of(&p.id)).collect(),
            Err(_) => BTreeSet::new(),
        };
        let me = self.device();
        // Each document's heads once, not once per device.
        let docs: Vec<_> = self
            .inner
            .open_docs()
            .into_iter()
            .filter(|d| d.meeting == *meeting)
            .map(|d| {
                let heads = d.handle.with_document(|doc| doc.get_heads());
                (d, heads)
            })
            .collect();
        let (conns, _) = self.inner.repo.connected_peers();
        let synced_with = |device: &DeviceId| {
            docs.iter().all(|(d, heads)| {
                self.doc_state_with(d, heads, device, &conns)
                    .is_some_and(|(theirs, ours)| theirs && ours)
            })
        };
        // Devices reached through the meeting's hub (see `update_wanted`) are online while
        // their presence comes through it, and as up to date as the hub is.
        let hub = self
            .founder_of(meeting)
            .ok()
            .filter(|h| *h != me && online.contains(h));
        let hub_synced = hub.as_ref().is_some_and(&synced_with);
        let present: BTreeSet<DeviceId> = self.present(meeting).iter().map(|p| p.device).collect();
        let mut out = Vec::new();
        for e in &roster.entries {
            let direct = online.contains(&e.device);
            let relayed = !direct && hub.is_some() && present.contains(&e.device);
            let up_to_date =
                e.device == me || (direct && synced_with(&e.device)) || (relayed && hub_synced);
            out.push(PeerInfo {
                device: e.device,
                device_name: e.name.clone(),
                party: e.party.clone(),
                role: e.role,
                online: e.device == me || direct || relayed,
                up_to_date,
                revoked: e.revoked,
                valid: e.valid,
                is_self: e.device == me,
                held: held
                    .iter()
                    .filter(|h| h.device == Some(e.device))
                    .map(|h| h.changes)
                    .sum(),
            });
        }
        Ok(out)
    }

    /// Per document of a meeting, per connected peer: whether each side has the other's
    /// changes.
    pub async fn doc_sync(&self, meeting: &DocId) -> Result<Vec<DocSync>> {
        let view = self.meeting(meeting).await?;
        let mut ids = vec![(meeting.clone(), DocKind::Meeting)];
        ids.extend(view.documents.iter().map(|d| (d.id.clone(), d.kind)));
        let (conns, _) = self.inner.repo.connected_peers();
        let mut out = Vec::new();
        for (id, kind) in ids {
            let Ok(d) = self.doc(&id).await else { continue };
            let heads = d.handle.with_document(|doc| doc.get_heads());
            let mut peers: Vec<DocPeerSync> = Vec::new();
            for c in &conns {
                let samod::ConnectionState::Connected { their_peer_id } = &c.state else {
                    continue;
                };
                let Ok(device) = their_peer_id.to_string().parse::<DeviceId>() else {
                    continue;
                };
                if peers.iter().any(|p| p.device == device) {
                    continue;
                }
                if let Some((they_have_ours, we_have_theirs)) =
                    self.doc_state_with(&d, &heads, &device, &conns)
                {
                    peers.push(DocPeerSync {
                        device,
                        they_have_ours,
                        we_have_theirs,
                    });
                }
            }
            out.push(DocSync {
                doc: id,
                kind,
                peers,
            });
        }
        Ok(out)
    }

    /// Whether `device` has every change of `d` we have (`heads`), and we every change it
    /// told us of, over any of its connections; `None` when nothing is known. A document
    /// both sides held at the same heads when they connected is not synced at all (see
    /// `share`): the peer's summary says so.
    fn doc_state_with(
        &self,
        d: &crate::workspace::OpenDoc,
        heads: &[automerge::ChangeHash],
        device: &DeviceId,
        conns: &[samod::ConnectionInfo],
    ) -> Option<(bool, bool)> {
        let peer_id = device.to_string();
        let mut known: Option<(bool, bool)> = None;
        for c in conns {
            let samod::ConnectionState::Connected { their_peer_id } = &c.state else {
                continue;
            };
            if their_peer_id.to_string() != peer_id {
                continue;
            }
            let Some(st) = c
                .docs
                .get(&d.samod_id)
                .filter(|st| st.their_heads.is_some())
            else {
                continue;
            };
            let theirs = st.their_heads.clone().unwrap_or_default();
            let we_have_theirs = d
                .handle
                .with_document(|doc| theirs.iter().all(|h| doc.get_change_by_hash(h).is_some()));
            let they_have_ours = st.shared_heads.as_deref() == Some(heads);
            let k = known.get_or_insert((false, false));
            k.0 |= they_have_ours;
            k.1 |= we_have_theirs;
        }
        if known.is_some_and(|(a, _)| a) {
            return known;
        }
        let quiet = self.net().is_ok_and(|net| {
            EndpointId::from_bytes(device.as_bytes()).is_ok_and(|id| {
                net.peer_summary(id)
                    .holds_now(accord_net::fingerprint(&d.samod_id, heads))
            })
        });
        match known {
            // It held our heads when it connected, and ours have not moved since.
            Some((_, ours)) => Some((quiet, ours)),
            None => quiet.then_some((true, true)),
        }
    }

    /// Whether the network is on, and how many devices are connected.
    pub fn sync_state(&self) -> SyncState {
        match self.net() {
            Ok(net) => {
                let mut online: BTreeSet<DeviceId> =
                    net.peers().iter().map(|p| device_of(&p.id)).collect();
                let connected = online.len();
                online.extend(
                    self.inner
                        .peers_present
                        .lock()
                        .expect("presence lock")
                        .devices(),
                );
                online.remove(&self.device());
                SyncState {
                    mode: if net.config().contacts_internet() {
                        "online"
                    } else {
                        "lan"
                    },
                    peers_online: online.len(),
                    peers_connected: connected,
                    addr: Some(addr_strings(&net.addr()).join(" ")),
                }
            }
            Err(_) => SyncState {
                mode: "offline",
                peers_online: 0,
                peers_connected: 0,
                addr: None,
            },
        }
    }

    /// Waits until every connected roster device has all our changes to every document of
    /// our meetings (and we have theirs), or the timeout passes. Returns the devices that
    /// were still behind.
    pub async fn sync_all(&self, timeout: Duration) -> Result<Vec<DeviceId>> {
        let deadline = tokio::time::Instant::now() + timeout;
        let meetings = self.pinned_meetings();
        loop {
            let mut behind = Vec::new();
            for m in &meetings {
                for p in self.peers(m).await.unwrap_or_default() {
                    if p.online && !p.up_to_date && !p.is_self && !behind.contains(&p.device) {
                        behind.push(p.device);
                    }
                }
            }
            if behind.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(behind);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn short(ticket: &str) -> String {
    let t = ticket.trim();
    if t.len() > 24 {
        format!("{}…", &t[..24.min(t.len())])
    } else {
        t.to_string()
    }
}

/// The computer's name, for a device that has not been given one.
fn host_name() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
