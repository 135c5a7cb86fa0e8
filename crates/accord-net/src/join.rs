//! Joining: one bounded request, one bounded response over the `accord/join/1` ALPN.
//!
//! The content is opaque here: the integrator's [`JoinHandler`] reads the request (a ticket's
//! secret, the joiner's name, ...) and writes the response (a signed roster entry, ...). This
//! module only frames it, bounds it and reports failures clearly.
//!
//! Wire format: the joiner opens one bi-stream, writes a postcard [`JoinRequestWire`] and
//! finishes its side; the host answers with one postcard [`JoinResponseWire`] and finishes.
//! Each side reads at most `max_join_len` plus a small envelope allowance.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use futures::{FutureExt, future::BoxFuture};
use iroh::{
    Endpoint, EndpointAddr, EndpointId,
    endpoint::{ApplicationClose, Connection, ConnectionError, VarInt},
    protocol::{AcceptError, ProtocolHandler},
};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::NetError;

/// ALPN of the join protocol.
pub const JOIN_ALPN: &[u8] = b"accord/join/1";

/// Version of the join envelope.
const JOIN_WIRE_VERSION: u8 = 1;
/// Room for the envelope around a body of `max_join_len` bytes (version, tag, varint length).
const ENVELOPE: usize = 16;
/// How long the host waits for a turn of its handler, and for the handler itself.
const HOST_TIMEOUT: Duration = Duration::from_secs(15);
/// How many join handlers run at once; more requests (whole ones) wait their turn.
const MAX_CONCURRENT_JOINS: usize = 4;
/// How many join connections one remote endpoint may have at once; more are closed at once.
pub const MAX_JOINS_PER_PEER: usize = 2;
/// How many join connections the host keeps at once in all; more are closed at once.
pub const MAX_PENDING_JOINS: usize = 64;

/// QUIC close code of a join connection the host ends without an answer on the stream (over
/// a limit, a request not received in time); the close reason says why, for a person.
pub const CLOSE_JOIN_REFUSED: u32 = 429;

/// Handles join requests on the host. Implemented by the integrator.
///
/// `from` is the joiner's endpoint id, authenticated by iroh (the joiner is not on any roster
/// yet, so it is **not** checked against [`crate::Access::may_connect`]). Return the response
/// bytes, or `Err(message)` to refuse: the message is shown to the joiner as it is, so write
/// it for a person ("this invitation has expired"), and say nothing secret in it.
pub trait JoinHandler: Send + Sync + 'static {
    fn handle(
        &self,
        from: EndpointId,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, String>> + Send;
}

/// Object-safe form of [`JoinHandler`], so the handler can be installed after start.
trait DynJoinHandler: Send + Sync + 'static {
    fn handle_boxed(
        &self,
        from: EndpointId,
        request: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<u8>, String>>;
}

impl<H: JoinHandler> DynJoinHandler for H {
    fn handle_boxed(
        &self,
        from: EndpointId,
        request: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<u8>, String>> {
        self.handle(from, request).boxed()
    }
}

/// The request envelope.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct JoinRequestWire {
    pub(crate) version: u8,
    pub(crate) body: Vec<u8>,
}

/// The response envelope.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum JoinResponseWire {
    Accepted(Vec<u8>),
    Refused(String),
}

/// Where the join handler lives; empty means "this device does not host joins".
#[derive(Clone, Default)]
pub(crate) struct JoinSlot(Arc<RwLock<Option<Arc<dyn DynJoinHandler>>>>);

impl std::fmt::Debug for JoinSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinSlot")
    }
}

impl JoinSlot {
    pub(crate) fn install<H: JoinHandler>(&self, handler: H) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(handler));
    }

    fn current(&self) -> Option<Arc<dyn DynJoinHandler>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The [`ProtocolHandler`] for [`JOIN_ALPN`].
///
/// A join is cheap to start and anyone may start one (the host's address is in every ticket),
/// so no connection may hold the host for long: the whole request must arrive within
/// `deadline` of the connection, the answer must be taken within `deadline` again, and the
/// connection is closed either way. Only a request that has fully arrived waits for one of the
/// [`MAX_CONCURRENT_JOINS`] handler turns, so connections that stall cannot take those; they
/// count against [`MAX_JOINS_PER_PEER`] for their endpoint and [`MAX_PENDING_JOINS`] in all,
/// beyond which a new connection is closed at once. A few stalling keys therefore cannot keep
/// others out; many keys (they cost nothing to make) can fill [`MAX_PENDING_JOINS`] for a
/// deadline at a time, which this bounds but does not prevent.
#[derive(Debug, Clone)]
pub(crate) struct JoinProtocol {
    pub(crate) slot: JoinSlot,
    pub(crate) max_len: usize,
    pub(crate) deadline: Duration,
    pub(crate) permits: Arc<Semaphore>,
    gate: Arc<Gate>,
}

/// Counts the join connections in progress, in all and per remote endpoint.
#[derive(Debug, Default)]
struct Gate(Mutex<GateCounts>);

#[derive(Debug, Default)]
struct GateCounts {
    total: usize,
    per_peer: HashMap<EndpointId, usize>,
}

/// One connection's place in the [`Gate`], given back when dropped.
#[derive(Debug)]
struct GatePass {
    gate: Arc<Gate>,
    peer: EndpointId,
}

impl Gate {
    /// A place for one more connection from `peer`, or why there is none (for the joiner).
    fn enter(self: &Arc<Self>, peer: EndpointId) -> Result<GatePass, &'static str> {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mine = counts.per_peer.get(&peer).copied().unwrap_or(0);
        if mine >= MAX_JOINS_PER_PEER {
            return Err("too many join attempts from this device at once");
        }
        if counts.total >= MAX_PENDING_JOINS {
            return Err("the host is busy, try again");
        }
        counts.total += 1;
        counts.per_peer.insert(peer, mine + 1);
        Ok(GatePass {
            gate: self.clone(),
            peer,
        })
    }
}

impl Drop for GatePass {
    fn drop(&mut self) {
        let mut counts = self.gate.0.lock().unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_peer.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                counts.per_peer.remove(&self.peer);
            }
        }
    }
}

impl JoinProtocol {
    pub(crate) fn new(slot: JoinSlot, max_len: usize, deadline: Duration) -> Self {
        JoinProtocol {
            slot,
            max_len,
            deadline,
            permits: Arc::new(Semaphore::new(MAX_CONCURRENT_JOINS)),
            gate: Arc::default(),
        }
    }

    /// Decides the response to one raw request. IO-free apart from the handler call.
    async fn respond(&self, from: EndpointId, raw: Result<Vec<u8>, String>) -> JoinResponseWire {
        let raw = match raw {
            Ok(raw) => raw,
            Err(message) => return JoinResponseWire::Refused(message),
        };
        let request: JoinRequestWire = match postcard::from_bytes(&raw) {
            Ok(r) => r,
            Err(e) => return JoinResponseWire::Refused(format!("malformed join request: {e}")),
        };
        if request.version != JOIN_WIRE_VERSION {
            return JoinResponseWire::Refused(format!(
                "unsupported join request version {} (this host speaks {JOIN_WIRE_VERSION})",
                request.version
            ));
        }
        if request.body.len() > self.max_len {
            return JoinResponseWire::Refused(format!("join request over {} bytes", self.max_len));
        }
        let Some(handler) = self.slot.current() else {
            return JoinResponseWire::Refused("this device does not accept joins".into());
        };
        match tokio::time::timeout(HOST_TIMEOUT, handler.handle_boxed(from, request.body)).await {
            Ok(Ok(body)) if body.len() > self.max_len => {
                tracing::warn!(len = body.len(), "join handler response over the limit");
                JoinResponseWire::Refused("the host's answer is too large".into())
            }
            Ok(Ok(body)) => JoinResponseWire::Accepted(body),
            Ok(Err(message)) => JoinResponseWire::Refused(message),
            Err(_) => JoinResponseWire::Refused("the host took too long to decide".into()),
        }
    }
}

impl ProtocolHandler for JoinProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let from = conn.remote_id();
        let span = tracing::info_span!("join_host", peer = %from.fmt_short());
        async move {
            let _pass = match self.gate.enter(from) {
                Ok(pass) => pass,
                Err(reason) => {
                    tracing::info!(reason, "join connection refused at once");
                    conn.close(VarInt::from_u32(CLOSE_JOIN_REFUSED), reason.as_bytes());
                    return Ok(());
                }
            };
            let request = async {
                let (send, mut recv) = conn.accept_bi().await?;
                let raw = recv.read_to_end(self.max_len + ENVELOPE).await;
                Ok::<_, ConnectionError>((send, raw))
            };
            let (mut send, raw) = match tokio::time::timeout(self.deadline, request).await {
                Ok(Ok(got)) => got,
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "join connection lost before its request");
                    return Ok(());
                }
                Err(_) => {
                    let reason = format!(
                        "the join request did not arrive within {} s",
                        self.deadline.as_secs_f32()
                    );
                    tracing::info!(%reason, "join connection closed");
                    conn.close(VarInt::from_u32(CLOSE_JOIN_REFUSED), reason.as_bytes());
                    return Ok(());
                }
            };
            let raw = raw.map_err(|e| {
                tracing::info!(error = %e, "bad join request stream");
                format!("join request unreadable or over {} bytes", self.max_len)
            });
            // Only a whole request waits for a turn of the handler.
            let response = match tokio::time::timeout(
                HOST_TIMEOUT,
                self.permits.clone().acquire_owned(),
            )
            .await
            {
                Ok(Ok(_permit)) => self.respond(from, raw).await,
                Ok(Err(_)) | Err(_) => {
                    JoinResponseWire::Refused("the host is busy, try again".into())
                }
            };
            match &response {
                JoinResponseWire::Accepted(b) => tracing::info!(len = b.len(), "join accepted"),
                JoinResponseWire::Refused(m) => tracing::info!(reason = %m, "join refused"),
            }
            let bytes = postcard::to_stdvec(&response).map_err(AcceptError::from_err)?;
            // Write the answer and let the joiner read it and close, within the deadline.
            let answer = async {
                send.write_all(&bytes)
                    .await
                    .map_err(AcceptError::from_err)?;
                send.finish()?;
                conn.closed().await;
                Ok::<_, AcceptError>(())
            };
            let answered = tokio::time::timeout(self.deadline, answer).await;
            if answered.is_err() {
                tracing::info!("the joiner did not take the answer in time");
            }
            conn.close(VarInt::from_u32(0), b"done");
            answered.unwrap_or(Ok(()))
        }
        .instrument(span)
        .await
    }
}

/// The joiner's side: sends `request` to the host at `addr`, returns the host's response.
pub(crate) async fn request_join(
    endpoint: &Endpoint,
    addr: EndpointAddr,
    request: Vec<u8>,
    max_len: usize,
    timeout: Duration,
) -> Result<Vec<u8>, NetError> {
    if request.len() > max_len {
        return Err(NetError::JoinRequestTooLarge {
            len: request.len(),
            max: max_len,
        });
    }
    let peer = addr.id;
    let span = tracing::info_span!("join", peer = %peer.fmt_short());
    let exchange = async move {
        let conn = endpoint
            .connect(addr, JOIN_ALPN)
            .await
            .map_err(|e| NetError::Connect {
                peer,
                message: e.to_string(),
            })?;
        // A host that ends the connection with a reason (over a limit, too slow) refused us.
        let io = |e: &dyn std::fmt::Display| match refusal_of(conn.close_reason()) {
            Some(message) => NetError::JoinRefused { peer, message },
            None => NetError::JoinIo {
                peer,
                message: e.to_string(),
            },
        };
        let (mut send, mut recv) = conn.open_bi().await.map_err(|e| io(&e))?;
        let wire = postcard::to_stdvec(&JoinRequestWire {
            version: JOIN_WIRE_VERSION,
            body: request,
        })
        .map_err(|e| io(&e))?;
        send.write_all(&wire).await.map_err(|e| io(&e))?;
        send.finish().map_err(|e| io(&e))?;
        let raw = recv
            .read_to_end(max_len + ENVELOPE)
            .await
            .map_err(|e| io(&e))?;
        conn.close(0u32.into(), b"done");
        let response: JoinResponseWire =
            postcard::from_bytes(&raw).map_err(|e| NetError::JoinMalformedResponse {
                peer,
                message: e.to_string(),
            })?;
        match response {
            JoinResponseWire::Accepted(body) => Ok(body),
            JoinResponseWire::Refused(message) => Err(NetError::JoinRefused { peer, message }),
        }
    }
    .instrument(span);
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(NetError::JoinTimeout {
            peer,
            seconds: timeout.as_secs(),
        }))
}

/// The host's reason, when it closed a join connection with [`CLOSE_JOIN_REFUSED`].
fn refusal_of(closed: Option<ConnectionError>) -> Option<String> {
    match closed? {
        ConnectionError::ApplicationClosed(ApplicationClose { error_code, reason })
            if error_code == VarInt::from_u32(CLOSE_JOIN_REFUSED) =>
        {
            Some(String::from_utf8_lossy(&reason).into_owned())
        }
        _ => None,
    }
}
