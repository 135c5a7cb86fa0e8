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
    future::Future,
    sync::{Arc, RwLock},
    time::Duration,
};

use futures::{FutureExt, future::BoxFuture};
use iroh::{
    Endpoint, EndpointAddr, EndpointId,
    endpoint::Connection,
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
/// How long the host waits for the request and for its own handler.
const HOST_TIMEOUT: Duration = Duration::from_secs(15);
/// How many joins a host serves at once; more are refused with "busy".
const MAX_CONCURRENT_JOINS: usize = 4;

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
#[derive(Debug, Clone)]
pub(crate) struct JoinProtocol {
    pub(crate) slot: JoinSlot,
    pub(crate) max_len: usize,
    pub(crate) permits: Arc<Semaphore>,
}

impl JoinProtocol {
    pub(crate) fn new(slot: JoinSlot, max_len: usize) -> Self {
        JoinProtocol {
            slot,
            max_len,
            permits: Arc::new(Semaphore::new(MAX_CONCURRENT_JOINS)),
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
            let (mut send, mut recv) = tokio::time::timeout(HOST_TIMEOUT, conn.accept_bi())
                .await
                .map_err(AcceptError::from_err)?
                .map_err(AcceptError::from_err)?;
            let response = match self.permits.clone().try_acquire_owned() {
                Err(_) => JoinResponseWire::Refused("the host is busy, try again".into()),
                Ok(_permit) => {
                    let raw = match tokio::time::timeout(
                        HOST_TIMEOUT,
                        recv.read_to_end(self.max_len + ENVELOPE),
                    )
                    .await
                    {
                        Ok(Ok(raw)) => Ok(raw),
                        Ok(Err(e)) => {
                            tracing::info!(error = %e, "bad join request stream");
                            Err(format!(
                                "join request unreadable or over {} bytes",
                                self.max_len
                            ))
                        }
                        Err(_) => Err("join request not received in time".into()),
                    };
                    self.respond(from, raw).await
                }
            };
            match &response {
                JoinResponseWire::Accepted(b) => tracing::info!(len = b.len(), "join accepted"),
                JoinResponseWire::Refused(m) => tracing::info!(reason = %m, "join refused"),
            }
            let bytes = postcard::to_stdvec(&response).map_err(AcceptError::from_err)?;
            send.write_all(&bytes)
                .await
                .map_err(AcceptError::from_err)?;
            send.finish()?;
            // Let the joiner read the answer and close; do not wait forever for it.
            let _ = tokio::time::timeout(HOST_TIMEOUT, conn.closed()).await;
            Ok(())
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
        let io = |e: &dyn std::fmt::Display| NetError::JoinIo {
            peer,
            message: e.to_string(),
        };
        let conn = endpoint
            .connect(addr, JOIN_ALPN)
            .await
            .map_err(|e| NetError::Connect {
                peer,
                message: e.to_string(),
            })?;
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
