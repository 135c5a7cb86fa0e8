//! Accord's network layer: the only crate that knows iroh.
//!
//! **Owns:** the iroh endpoint (the device key, relays, mDNS and DNS lookup, the LAN-only
//! switch), the two ALPNs — [`SYNC_ALPN`] (`accord/sync/2`: samod document sync on one bi-stream,
//! length-delimited frames with our own size limit; a second bi-stream carries each side's
//! [`summary`] of what it holds) and [`JOIN_ALPN`] (`accord/join/1`: one
//! bounded request, one bounded response, each within a deadline, a few connections per
//! endpoint) — dialling the wanted peers with backoff, peer
//! status, and the invitation [`Ticket`] string and QR code, signed by its host
//! ([`SignedTicket`]).
//!
//! **Refuses to know:** who is on a roster, what a signature or role means, what a join request
//! or response contains, storage and SQL. Those come in through two small traits the integrator
//! implements: [`Access`] (may this device connect; what may it see of each document, live) and
//! [`JoinHandler`] (answer a join request). The samod `Repo` is built by the integrator too.
//!
//! # Wiring
//!
//! ```no_run
//! # async fn demo(access: std::sync::Arc<dyn accord_net::Access>, key: [u8; 32],
//! #               roster_devices: Vec<iroh::EndpointAddr>) -> Result<(), accord_net::NetError> {
//! use accord_net::{AccessPolicy, Net, NetConfig};
//! // 1. The share policy slot goes into the repo builder (samod takes it at build time).
//! let policy = AccessPolicy::new();
//! let repo = samod::Repo::build_tokio()
//!     .with_peer_id(accord_net::peer_id_for(&key)) // samod peer id = endpoint id
//!     .with_share_policy(policy.clone())
//!     .load()
//!     .await;
//! // 2. Start the network with the same slot and the access rules (which may hold the repo).
//! let net = Net::spawn(NetConfig::online(key), repo.clone(), policy, access).await?;
//! // 3. Whom to keep connected to; call again whenever rosters change.
//! net.set_wanted_peers(roster_devices)?;
//! // ... on revocation: update the access rules, then
//! // net.disconnect(revoked_device);
//! // 4. Shut down the network first, then the repo.
//! net.shutdown().await?;
//! repo.stop().await;
//! # Ok(()) }
//! ```
//!
//! # One connection per pair
//!
//! samod accepts several connections to the same peer (each has its own sync state per
//! document); they work, but each change then travels twice. Since both devices of a pair
//! usually want each other, this crate keeps one where it can: the device with the **smaller**
//! endpoint id dials at once; the larger one waits [`NetConfig::dial_grace`] for that inbound
//! connection and does not dial while it is up. If both connections still come about (the
//! grace ran out, or one side did not want the other at first), the preferred one wins: the
//! larger side closes its outbound connection when the smaller side's arrives, and the smaller
//! side refuses an inbound one while its own outbound one is up. When the smaller side cannot
//! reach the larger (NAT, missing hints), the larger one still dials after the grace period.
//!
//! # Reachability
//!
//! [`NetConfig::online`]: n0 relays, DNS/pkarr lookup and mDNS; [`NetConfig::with_relay`]: a
//! self-hosted relay instead; [`NetConfig::lan_only`]: mDNS only, nothing beyond the LAN is
//! contacted; [`NetConfig::loopback`]: loopback, no lookups (tests). Endpoints start from iroh's
//! `Minimal` preset and add only what the configuration lists
//! ([`NetConfig::address_lookups`]).

mod access;
pub mod admit;
mod config;
mod error;
mod frames;
pub use frames::CLOSE_SYNC_ENDED;
mod join;
mod net;
mod peers;
pub mod summary;
mod sync;
mod ticket;

pub use access::{Access, AccessPolicy};
pub use admit::{Admitted, Arrived};
pub use config::{
    AddressLookupKind, DEFAULT_JOIN_DEADLINE, DEFAULT_MAX_FRAME_LEN, DEFAULT_MAX_JOIN_LEN,
    MDNS_SERVICE_NAME, NetConfig, Relay,
};
pub use error::{NetError, TicketError};
pub use join::{CLOSE_JOIN_REFUSED, JOIN_ALPN, JoinHandler, MAX_JOINS_PER_PEER, MAX_PENDING_JOINS};
pub use net::{Net, peer_id_for};
pub use peers::{ConnectionKind, Direction, PeerEvent, PeerStatus};
pub use summary::{Fingerprint, Held, PeerSummary, fingerprint};
pub use sync::{CLOSE_DISCONNECTED, CLOSE_DUPLICATE, CLOSE_NOT_ALLOWED, SYNC_ALPN};
pub use ticket::{SIGNATURE_CONTEXT, SignedTicket, TICKET_PREFIX, TICKET_VERSION, Ticket};

// Re-exported so the integrator can name these without depending on iroh itself.
pub use iroh::{EndpointAddr, EndpointId, RelayUrl, TransportAddr};
