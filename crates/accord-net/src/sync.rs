//! Document sync: samod over the `accord/sync/2` ALPN, accept side and dial side.

use std::{sync::Arc, time::Duration};

use futures::{FutureExt, future::BoxFuture};
use iroh::{
    Endpoint, EndpointAddr, EndpointId,
    endpoint::Connection,
    protocol::{AcceptError, ProtocolHandler},
};
use samod::{AcceptorHandle, DialError, Dialer, Transport};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::{
    AccessPolicy,
    frames::transport,
    peers::{Direction, InboundDecision, Peers, inbound_decision, should_defer_dial},
};

/// ALPN of document sync: the automerge-repo protocol (samod), one bi-stream per connection.
pub const SYNC_ALPN: &[u8] = b"accord/sync/2";

/// QUIC close code: the device may not connect (not on any roster, or revoked).
pub const CLOSE_NOT_ALLOWED: u32 = 403;
/// QUIC close code: a second connection between the same pair was closed.
pub const CLOSE_DUPLICATE: u32 = 409;
/// QUIC close code: [`crate::Net::disconnect`] dropped the peer.
pub const CLOSE_DISCONNECTED: u32 = 410;

/// How long an accepted connection may take to open its sync stream.
const OPEN_STREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one dial attempt may take before it counts as failed and is retried.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Shared by the protocol handler and every dialer.
#[derive(Debug)]
pub(crate) struct SyncShared {
    pub(crate) me: EndpointId,
    pub(crate) policy: AccessPolicy,
    pub(crate) peers: Arc<Peers>,
    pub(crate) max_frame_len: usize,
    pub(crate) cancel: CancellationToken,
}

/// The [`ProtocolHandler`] for [`SYNC_ALPN`]: checks the access hook, keeps one connection per
/// pair, and hands the stream to samod bound to the authenticated endpoint id.
#[derive(Debug, Clone)]
pub(crate) struct SyncProtocol {
    pub(crate) shared: Arc<SyncShared>,
    pub(crate) acceptor: AcceptorHandle,
}

impl ProtocolHandler for SyncProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let peer = conn.remote_id();
        let span = tracing::info_span!("sync_accept", peer = %peer.fmt_short());
        self.accept_inner(conn).instrument(span).await
    }
}

impl SyncProtocol {
    async fn accept_inner(&self, conn: Connection) -> Result<(), AcceptError> {
        let s = &self.shared;
        let peer = conn.remote_id();
        if !s.policy.may_connect(peer) {
            tracing::info!("refusing sync connection: device not allowed");
            conn.close(CLOSE_NOT_ALLOWED.into(), b"not authorized");
            return Ok(());
        }
        match inbound_decision(s.me, peer, s.peers.has(peer, Direction::Outbound)) {
            InboundDecision::Accept => {}
            InboundDecision::AcceptAndCloseOutbound => {
                tracing::debug!("peer's connection preferred over ours: closing our outbound one");
                s.peers.close(
                    peer,
                    Some(Direction::Outbound),
                    CLOSE_DUPLICATE,
                    b"duplicate",
                );
            }
            InboundDecision::RefuseDuplicate => {
                tracing::debug!("refusing duplicate inbound connection: ours is up");
                conn.close(CLOSE_DUPLICATE.into(), b"duplicate");
                return Ok(());
            }
        }
        let (send, recv) = match tokio::time::timeout(OPEN_STREAM_TIMEOUT, conn.accept_bi()).await {
            Ok(Ok(streams)) => streams,
            Ok(Err(e)) => return Err(AcceptError::from_err(e)),
            Err(elapsed) => {
                conn.close(0u32.into(), b"no sync stream");
                return Err(AcceptError::from_err(elapsed));
            }
        };
        let token = s.peers.add(Direction::Inbound, conn.clone());
        // Revoked while the peer took its time to open the stream: a revocation updates the
        // access first and then closes the connections it finds, so one recorded after that
        // is caught here.
        if !s.policy.may_connect(peer) {
            tracing::info!("refusing sync connection: device no longer allowed");
            conn.close(CLOSE_NOT_ALLOWED.into(), b"not authorized");
            s.peers.remove(peer, token);
            return Ok(());
        }
        tracing::info!("sync connection accepted");
        // The summary comes on the second stream; samod may ask for share decisions from now.
        let epoch = s.policy.summaries().reset(peer);
        tokio::spawn(accept_summary(s.clone(), conn.clone(), epoch).in_current_span());
        if let Err(stopped) = self.acceptor.accept(transport(
            conn.clone(),
            send,
            recv,
            s.max_frame_len,
            s.policy.clone(),
        )) {
            tracing::warn!("repo stopped: dropping sync connection");
            conn.close(0u32.into(), b"shutting down");
            s.peers.remove(peer, token);
            return Err(AcceptError::from_err(stopped));
        }
        let reason = conn.closed().await;
        tracing::info!(%reason, "sync connection closed");
        s.peers.remove(peer, token);
        Ok(())
    }
}

/// A samod [`Dialer`] for one wanted peer. samod calls [`Dialer::connect`] on the first dial
/// and after each disconnect, with backoff.
#[derive(Debug)]
pub(crate) struct IrohDialer {
    pub(crate) endpoint: Endpoint,
    pub(crate) addr: EndpointAddr,
    pub(crate) shared: Arc<SyncShared>,
    pub(crate) grace: Duration,
    /// Cancelled when the peer is no longer wanted (or the network shuts down).
    pub(crate) stop: CancellationToken,
}

/// Why a dial attempt did not produce a connection; all are retried with backoff.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DialFailure {
    #[error("device is not allowed to connect")]
    NotAllowed,
    #[error("network layer shut down")]
    Shutdown,
    #[error("the peer's own connection to us is up")]
    PeerDialsUs,
    #[error("dial timed out")]
    Timeout,
    #[error("{0}")]
    Iroh(String),
}

impl Dialer for IrohDialer {
    type Error = DialFailure;

    fn url(&self) -> url::Url {
        url::Url::parse(&format!("iroh://{}", self.addr.id))
            .expect("an endpoint id is a valid host")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<DialFailure>>> {
        let endpoint = self.endpoint.clone();
        let addr = self.addr.clone();
        let shared = self.shared.clone();
        let grace = self.grace;
        let stop = self.stop.clone();
        let peer = addr.id;
        let span = tracing::info_span!("sync_dial", peer = %peer.fmt_short());
        async move {
            if stop.is_cancelled() {
                return Err(DialError::PermanentFailure(DialFailure::Shutdown));
            }
            if !shared.policy.may_connect(peer) {
                return Err(DialError::transient(DialFailure::NotAllowed));
            }
            if should_defer_dial(shared.me, peer) {
                // Never park here while the peer's own connection is up: samod's `find` waits
                // for dialers whose transport is pending, so a parked dialer would make every
                // search for a missing document hang. Fail fast and let backoff retry.
                if shared.peers.has(peer, Direction::Inbound) {
                    return Err(DialError::transient(DialFailure::PeerDialsUs));
                }
                if !wait_for_inbound(&shared, &stop, peer, grace).await {
                    return Err(DialError::PermanentFailure(DialFailure::Shutdown));
                }
                if shared.peers.has(peer, Direction::Inbound) {
                    return Err(DialError::transient(DialFailure::PeerDialsUs));
                }
            }
            // Access may have changed while we waited (revocation).
            if !shared.policy.may_connect(peer) {
                return Err(DialError::transient(DialFailure::NotAllowed));
            }
            let attempt = async {
                let conn = endpoint
                    .connect(addr, SYNC_ALPN)
                    .await
                    .map_err(|e| DialFailure::Iroh(e.to_string()))?;
                let (send, recv) = conn.open_bi().await.map_err(|e| DialFailure::Iroh(e.to_string()))?;
                Ok::<_, DialFailure>((conn, send, recv))
            };
            let (conn, send, recv) = tokio::select! {
                r = tokio::time::timeout(DIAL_TIMEOUT, attempt) => match r {
                    Ok(Ok(ok)) => ok,
                    Ok(Err(e)) => { tracing::debug!(error = %e, "dial failed"); return Err(DialError::transient(e)) }
                    Err(_) => return Err(DialError::transient(DialFailure::Timeout)),
                },
                () = stop.cancelled() => return Err(DialError::PermanentFailure(DialFailure::Shutdown)),
            };
            let token = shared.peers.add(Direction::Outbound, conn.clone());
            // No longer wanted, or revoked, while the connection came up: samod would keep it
            // with no dialer to close it. Checked after `add`, so that a close either finds the
            // connection among the peers or is seen here (`Wanted::close` cancels first, a
            // revocation updates the access first).
            if stop.is_cancelled() {
                conn.close(CLOSE_DISCONNECTED.into(), b"no longer wanted");
                shared.peers.remove(peer, token);
                return Err(DialError::PermanentFailure(DialFailure::Shutdown));
            }
            if !shared.policy.may_connect(peer) {
                conn.close(CLOSE_NOT_ALLOWED.into(), b"not authorized");
                shared.peers.remove(peer, token);
                return Err(DialError::transient(DialFailure::NotAllowed));
            }
            tracing::info!("sync connection dialled");
            let epoch = shared.policy.summaries().reset(peer);
            match conn.open_bi().await {
                Ok((s, r)) => {
                    tokio::spawn(exchange_summary(shared.clone(), peer, epoch, s, r).in_current_span());
                }
                Err(e) => {
                    tracing::debug!(error = %e, "no summary stream");
                    shared.policy.summaries().give_up(peer, epoch);
                }
            }
            let peers = shared.peers.clone();
            let watch = conn.clone();
            tokio::spawn(
                async move {
                    let reason = watch.closed().await;
                    tracing::info!(%reason, "sync connection closed");
                    peers.remove(peer, token);
                }
                .in_current_span(),
            );
            Ok(transport(conn, send, recv, shared.max_frame_len, shared.policy.clone()))
        }
        .instrument(span)
        .boxed()
    }
}

/// Accepts the summary stream of an accepted connection (the dialer opens it second) and
/// runs the exchange on it.
async fn accept_summary(shared: Arc<SyncShared>, conn: Connection, epoch: u64) {
    let peer = conn.remote_id();
    match tokio::time::timeout(OPEN_STREAM_TIMEOUT, conn.accept_bi()).await {
        Ok(Ok((send, recv))) => exchange_summary(shared, peer, epoch, send, recv).await,
        _ => {
            tracing::debug!("no summary stream from the peer");
            shared.policy.summaries().give_up(peer, epoch);
        }
    }
}

async fn exchange_summary(
    shared: Arc<SyncShared>,
    peer: EndpointId,
    epoch: u64,
    send: iroh::endpoint::SendStream,
    recv: iroh::endpoint::RecvStream,
) {
    let ours = match shared.policy.current() {
        Some(access) => access.summary(peer),
        None => futures::future::ready(Vec::new()).boxed(),
    };
    let summaries = shared.policy.summaries().clone();
    summaries
        .exchange(peer, epoch, ours, send, recv, shared.max_frame_len)
        .await;
}

/// The larger id of a pair gives the smaller one `grace` to dial in first: waits until an
/// inbound connection from `peer` appears or `grace` runs out. Kept short, because samod's
/// `find` waits for pending dialers. Returns `false` when the peer is no longer wanted or the
/// network layer shut down.
async fn wait_for_inbound(
    shared: &SyncShared,
    stop: &CancellationToken,
    peer: EndpointId,
    grace: Duration,
) -> bool {
    let mut changes = shared.peers.watch_changes();
    let deadline = tokio::time::Instant::now() + grace;
    loop {
        if shared.peers.has(peer, Direction::Inbound) || tokio::time::Instant::now() >= deadline {
            return true;
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { return false },
            () = tokio::time::sleep_until(deadline) => return true,
            () = stop.cancelled() => return false,
        }
    }
}
