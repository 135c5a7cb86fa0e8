//! [`Net`]: the running network layer of one device.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use iroh::{Endpoint, EndpointAddr, EndpointId, protocol::Router};
use samod::{AcceptorHandle, DialerHandle, PeerId, Repo};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::{
    Access, AccessPolicy, JoinHandler, NetConfig, NetError, PeerEvent, PeerStatus, SignedTicket,
    Ticket,
    join::{JOIN_ALPN, JoinProtocol, JoinSlot, request_join},
    peers::{Direction, Peers},
    sync::{CLOSE_DISCONNECTED, DialFailure, IrohDialer, SYNC_ALPN, SyncProtocol, SyncShared},
};

/// The samod peer id a device must use: its endpoint id in string form.
///
/// Build the repo with `.with_peer_id(accord_net::peer_id_for(&key))`; [`Net::spawn`] refuses a
/// repo with any other peer id, because every remote side binds our transport to this id.
pub fn peer_id_for(secret_key: &[u8; 32]) -> PeerId {
    PeerId::from(iroh::SecretKey::from_bytes(secret_key).public().to_string())
}

struct Wanted {
    addr: EndpointAddr,
    handle: DialerHandle<DialFailure>,
    /// Cancelled when the peer is no longer wanted: a dial attempt still under way (waiting
    /// for the peer to dial in, say) then ends without a connection.
    stop: CancellationToken,
}

impl Wanted {
    /// Stops dialling and closes the connection this device dialled. samod's own close covers
    /// only a connection it already knows: one whose transport the dialer has handed over but
    /// samod has not yet taken in would live on with no dialer, so ours is closed here too (a
    /// dial that has not reached [`Peers::add`] yet sees `stop` cancelled and closes its own).
    fn close(&self, peers: &Peers) {
        self.stop.cancel();
        self.handle.close();
        peers.close(
            self.addr.id,
            Some(Direction::Outbound),
            CLOSE_DISCONNECTED,
            b"no longer wanted",
        );
    }
}

/// The running network layer: an iroh endpoint with the sync and join protocols mounted, and
/// a samod dialer per wanted peer.
pub struct Net {
    endpoint: Endpoint,
    router: Router,
    repo: Repo,
    acceptor: AcceptorHandle,
    shared: Arc<SyncShared>,
    join: JoinSlot,
    config: NetConfig,
    wanted: Mutex<HashMap<EndpointId, Wanted>>,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("id", &self.endpoint.id())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Net {
    /// Binds the endpoint, installs `access` into `policy` (the share policy the repo was built
    /// with), and starts accepting sync and join connections. Dials nobody until
    /// [`Net::set_wanted_peers`].
    pub async fn spawn(
        config: NetConfig,
        repo: Repo,
        policy: AccessPolicy,
        access: Arc<dyn Access>,
    ) -> Result<Net, NetError> {
        let expected = peer_id_for(&config.secret_key);
        let actual = repo.peer_id();
        if actual != expected {
            return Err(NetError::PeerIdMismatch {
                repo: actual.to_string(),
                endpoint: expected.to_string(),
            });
        }
        policy.install(access);
        let endpoint = config
            .endpoint_builder()?
            .bind()
            .await
            .map_err(|e| NetError::Bind(Box::new(e)))?;
        let me = endpoint.id();
        let url = url::Url::parse(&format!("iroh://{me}")).expect("an endpoint id is a valid host");
        let acceptor = repo.make_acceptor(url).map_err(|_| NetError::RepoStopped)?;
        let shared = Arc::new(SyncShared {
            me,
            policy,
            peers: Arc::new(Peers::new()),
            max_frame_len: config.max_frame_len,
            cancel: CancellationToken::new(),
        });
        let join = JoinSlot::default();
        let router = Router::builder(endpoint.clone())
            .accept(
                SYNC_ALPN,
                SyncProtocol {
                    shared: shared.clone(),
                    acceptor: acceptor.clone(),
                },
            )
            .accept(
                JOIN_ALPN,
                JoinProtocol::new(join.clone(), config.max_join_len, config.join_deadline),
            )
            .spawn();
        tracing::info!(me = %me.fmt_short(), lookups = ?config.address_lookups(), "network layer started");
        Ok(Net {
            endpoint,
            router,
            repo,
            acceptor,
            shared,
            join,
            config,
            wanted: Mutex::new(HashMap::new()),
        })
    }

    /// The bytes the summaries of what each side holds moved since the start: (sent,
    /// received). See [`crate::summary`].
    pub fn summary_traffic(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        let s = self.shared.policy.summaries();
        (s.sent_bytes.load(Relaxed), s.received_bytes.load(Relaxed))
    }

    /// What `peer` said it holds on its current connection.
    pub fn peer_summary(&self, peer: EndpointId) -> crate::PeerSummary {
        self.shared.policy.summaries().of(peer)
    }

    /// This device's endpoint id.
    pub fn id(&self) -> EndpointId {
        self.endpoint.id()
    }

    /// This device's current address (id, direct addresses, home relay), e.g. for a ticket.
    pub fn addr(&self) -> EndpointAddr {
        self.endpoint.addr()
    }

    /// Waits until the endpoint is connected to its home relay (only meaningful with a relay).
    pub async fn online(&self) {
        self.endpoint.online().await;
    }

    /// The iroh endpoint, for diagnostics and for tests.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The configuration this layer runs with.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Installs (or replaces) the handler of incoming join requests. Without one, this device
    /// refuses joins with "this device does not accept joins".
    pub fn set_join_handler(&self, handler: impl JoinHandler) {
        self.join.install(handler);
    }

    /// Signs a ticket whose host is this device with this device's key, so that joiners can
    /// tell it was not altered (see [`SignedTicket`]).
    pub fn sign_ticket(&self, ticket: Ticket) -> Result<SignedTicket, NetError> {
        ticket.sign(&self.config.secret_key)
    }

    /// Sends a join request to the host at `addr` and returns its response. A refusal is
    /// [`NetError::JoinRefused`] with the host's message.
    pub async fn request_join(
        &self,
        addr: EndpointAddr,
        request: Vec<u8>,
    ) -> Result<Vec<u8>, NetError> {
        if self.shared.cancel.is_cancelled() {
            return Err(NetError::Shutdown);
        }
        request_join(
            &self.endpoint,
            addr,
            request,
            self.config.max_join_len,
            self.config.join_timeout,
        )
        .await
    }

    /// Sets the devices to keep connected to (the roster devices of this device's meetings),
    /// with optional address hints. New ones are dialled (with backoff, reconnecting by
    /// itself), ones no longer listed are closed, ones whose hints changed are redialled.
    /// Our own id is ignored.
    pub fn set_wanted_peers(
        &self,
        peers: impl IntoIterator<Item = EndpointAddr>,
    ) -> Result<(), NetError> {
        if self.shared.cancel.is_cancelled() {
            return Err(NetError::Shutdown);
        }
        let me = self.id();
        let mut next: HashMap<EndpointId, EndpointAddr> = HashMap::new();
        for addr in peers {
            if addr.id == me {
                continue;
            }
            // Several hints for one device: keep them all.
            match next.get_mut(&addr.id) {
                Some(existing) => *existing = existing.clone().with_addrs(addr.addrs),
                None => {
                    next.insert(addr.id, addr);
                }
            }
        }
        let mut wanted = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
        wanted.retain(|id, w| {
            let keep = next.get(id).is_some_and(|a| *a == w.addr);
            if !keep {
                tracing::debug!(peer = %id.fmt_short(), "no longer wanted (or new hints): closing dialer");
                w.close(&self.shared.peers);
            }
            keep
        });
        for (id, addr) in next {
            if wanted.contains_key(&id) {
                continue;
            }
            tracing::debug!(peer = %id.fmt_short(), "wanted: dialling");
            let stop = self.shared.cancel.child_token();
            let dialer = Arc::new(IrohDialer {
                endpoint: self.endpoint.clone(),
                addr: addr.clone(),
                shared: self.shared.clone(),
                grace: self.config.dial_grace,
                stop: stop.clone(),
            });
            let handle = self
                .repo
                .dial(self.config.backoff.clone(), dialer)
                .map_err(|_| NetError::RepoStopped)?;
            wanted.insert(id, Wanted { addr, handle, stop });
        }
        Ok(())
    }

    /// The wanted peers, as last set.
    pub fn wanted_peers(&self) -> Vec<EndpointAddr> {
        self.wanted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|w| w.addr.clone())
            .collect()
    }

    /// Drops every sync connection to `peer` at once (revocation). Update the [`Access`] first:
    /// if `may_connect` still says yes, a wanted peer is redialled after backoff and may dial
    /// back in.
    pub fn disconnect(&self, peer: EndpointId) {
        tracing::info!(peer = %peer.fmt_short(), "disconnecting peer");
        self.shared
            .peers
            .close(peer, None, CLOSE_DISCONNECTED, b"disconnected");
    }

    /// The peers with at least one live sync connection, sorted by id.
    pub fn peers(&self) -> Vec<PeerStatus> {
        self.shared.peers.snapshot()
    }

    /// Peer up/down events from now on. A slow receiver may miss events (it gets `Lagged`);
    /// re-read [`Net::peers`] then.
    pub fn peer_events(&self) -> broadcast::Receiver<PeerEvent> {
        self.shared.peers.subscribe()
    }

    /// Stops dialling, closes every connection, the router and the endpoint. Stop the repo
    /// (`repo.stop()`) after this, not before, so that connections end as "shut down" rather
    /// than as errors. Calling it twice is harmless.
    pub async fn shutdown(&self) -> Result<(), NetError> {
        self.stop_dialling();
        self.acceptor.close();
        self.shared.peers.close_all(0, b"shutting down");
        self.router
            .shutdown()
            .await
            .map_err(|e| NetError::ShutdownFailed(e.to_string()))?;
        tracing::info!("network layer shut down");
        Ok(())
    }

    fn stop_dialling(&self) {
        self.shared.cancel.cancel();
        let mut wanted = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
        for (_, w) in wanted.drain() {
            w.close(&self.shared.peers);
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // Without this the repo would keep redialling through a dead endpoint.
        self.stop_dialling();
    }
}
