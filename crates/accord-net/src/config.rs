//! How the endpoint reaches others: relays, lookups, mDNS, bind address, limits.
//!
//! [`NetConfig`] is plain data. [`NetConfig::address_lookups`] turns it into the list of lookup
//! services to install, so the "LAN only contacts nothing beyond the LAN" rule is testable
//! without sockets; [`NetConfig::endpoint_builder`] applies it to iroh.

use std::{net::SocketAddr, time::Duration};

use iroh::{
    RelayMode, RelayUrl, SecretKey,
    address_lookup::{DnsAddressLookup, PkarrPublisher, PkarrResolver},
    endpoint::{Builder, presets},
    tls::CaTlsConfig,
};
use samod::BackoffConfig;

/// Default maximum size of one sync frame (one samod message): 64 MiB.
pub const DEFAULT_MAX_FRAME_LEN: usize = 64 * 1024 * 1024;
/// Default maximum size of a join request and of a join response: 64 KiB.
pub const DEFAULT_MAX_JOIN_LEN: usize = 64 * 1024;
/// Default for [`NetConfig::join_deadline`]: 5 s.
pub const DEFAULT_JOIN_DEADLINE: Duration = Duration::from_secs(5);
/// mDNS service name, so Accord devices find each other and not every iroh app on the LAN.
pub const MDNS_SERVICE_NAME: &str = "accord";

/// Which relays the endpoint uses when a direct path is not (yet) possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relay {
    /// n0's public relays (the default when online).
    N0,
    /// Self-hosted relays only (the "relay URL" setting).
    Custom(Vec<RelayUrl>),
    /// No relay: only direct paths (LAN only, tests).
    Disabled,
}

/// An address lookup service the endpoint installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AddressLookupKind {
    /// Multicast DNS on the local network: announce ourselves and find others with no internet.
    Mdns,
    /// Publish our addresses to n0's pkarr server (internet).
    PkarrPublish,
    /// Resolve endpoint ids through n0's pkarr server and DNS (internet).
    DnsResolve,
}

/// Everything the network layer needs to start. Build it with [`NetConfig::online`],
/// [`NetConfig::lan_only`] or [`NetConfig::loopback`] and adjust fields.
#[derive(Clone)]
pub struct NetConfig {
    /// The profile's device key (32 secret bytes); its public half is the endpoint id.
    pub secret_key: [u8; 32],
    /// Relays to use.
    pub relay: Relay,
    /// Announce and find devices on the LAN by mDNS.
    pub mdns: bool,
    /// Publish and resolve addresses through n0's DNS/pkarr servers.
    pub dns_lookup: bool,
    /// Bind only this socket address (tests: `127.0.0.1:0`). `None` binds iroh's defaults
    /// (all interfaces, IPv4 and IPv6).
    pub bind_addr: Option<SocketAddr>,
    /// TLS roots for talking to relays; `None` uses iroh's default (embedded web PKI roots).
    /// A self-hosted relay with a private CA sets `CaTlsConfig::custom_roots(..)` here.
    pub relay_tls: Option<CaTlsConfig>,
    /// Largest sync frame accepted from or sent to a peer; a bigger one disconnects that peer.
    pub max_frame_len: usize,
    /// Largest join request and response.
    pub max_join_len: usize,
    /// How long a joiner waits for the host's answer (connecting included).
    pub join_timeout: Duration,
    /// How long a host gives a join connection to deliver its whole request, and again to take
    /// the answer; then it is closed. Short, since anyone holding a ticket's address can open
    /// join connections.
    pub join_deadline: Duration,
    /// Backoff for redialling wanted peers.
    pub backoff: BackoffConfig,
    /// When both devices want each other, only the one with the smaller endpoint id dials at
    /// once; the other waits this long for that inbound connection before dialling itself
    /// (see the crate docs, "One connection per pair").
    pub dial_grace: Duration,
}

impl std::fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret key.
        f.debug_struct("NetConfig")
            .field("relay", &self.relay)
            .field("mdns", &self.mdns)
            .field("dns_lookup", &self.dns_lookup)
            .field("bind_addr", &self.bind_addr)
            .field("max_frame_len", &self.max_frame_len)
            .field("max_join_len", &self.max_join_len)
            .field("join_timeout", &self.join_timeout)
            .field("join_deadline", &self.join_deadline)
            .field("backoff", &self.backoff)
            .field("dial_grace", &self.dial_grace)
            .finish_non_exhaustive()
    }
}

impl NetConfig {
    /// Online: n0 relays, DNS/pkarr lookup and mDNS.
    pub fn online(secret_key: [u8; 32]) -> Self {
        NetConfig {
            secret_key,
            relay: Relay::N0,
            mdns: true,
            dns_lookup: true,
            bind_addr: None,
            relay_tls: None,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_join_len: DEFAULT_MAX_JOIN_LEN,
            join_timeout: Duration::from_secs(20),
            join_deadline: DEFAULT_JOIN_DEADLINE,
            backoff: BackoffConfig::default(),
            dial_grace: Duration::from_secs(2),
        }
    }

    /// Online with a self-hosted relay instead of n0's.
    pub fn with_relay(mut self, url: RelayUrl) -> Self {
        self.relay = Relay::Custom(vec![url]);
        self
    }

    /// Offline / LAN only: mDNS only; no relay, no DNS, no pkarr: nothing beyond the LAN is
    /// contacted.
    pub fn lan_only(secret_key: [u8; 32]) -> Self {
        NetConfig {
            relay: Relay::Disabled,
            mdns: true,
            dns_lookup: false,
            ..Self::online(secret_key)
        }
    }

    /// Loopback only, no relay, no lookup at all: for tests and for `accord serve` behind
    /// explicit addresses.
    pub fn loopback(secret_key: [u8; 32]) -> Self {
        NetConfig {
            relay: Relay::Disabled,
            mdns: false,
            dns_lookup: false,
            bind_addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            join_timeout: Duration::from_secs(10),
            backoff: BackoffConfig {
                initial_delay: Duration::from_millis(50),
                max_delay: Duration::from_secs(1),
                max_retries: None,
            },
            dial_grace: Duration::from_millis(300),
            ..Self::online(secret_key)
        }
    }

    /// Turns mDNS on or off.
    pub fn with_mdns(mut self, on: bool) -> Self {
        self.mdns = on;
        self
    }

    /// The lookup services this configuration installs, in order.
    pub fn address_lookups(&self) -> Vec<AddressLookupKind> {
        let mut out = Vec::new();
        if self.mdns {
            out.push(AddressLookupKind::Mdns);
        }
        if self.dns_lookup {
            out.push(AddressLookupKind::PkarrPublish);
            out.push(AddressLookupKind::DnsResolve);
        }
        out
    }

    /// Whether anything beyond the local network may be contacted.
    pub fn contacts_internet(&self) -> bool {
        self.dns_lookup || self.relay != Relay::Disabled
    }

    /// The iroh endpoint builder for this configuration.
    ///
    /// Starts from `presets::Minimal` (crypto provider only) and adds exactly what the
    /// configuration asks for, so LAN-only cannot leak a DNS query through a preset default.
    pub(crate) fn endpoint_builder(&self) -> Result<Builder, crate::NetError> {
        let mut b = iroh::Endpoint::builder(presets::Minimal)
            .secret_key(SecretKey::from_bytes(&self.secret_key))
            .relay_mode(match &self.relay {
                Relay::N0 => iroh::endpoint::default_relay_mode(),
                Relay::Custom(urls) => RelayMode::custom(urls.iter().cloned()),
                Relay::Disabled => RelayMode::Disabled,
            });
        if let Some(tls) = &self.relay_tls {
            b = b.ca_tls_config(tls.clone());
        }
        if let Some(addr) = self.bind_addr {
            b = b
                .clear_ip_transports()
                .bind_addr(addr)
                .map_err(|e| crate::NetError::Bind(Box::new(e)))?;
        }
        for kind in self.address_lookups() {
            b = match kind {
                AddressLookupKind::Mdns => b.address_lookup(
                    iroh_mdns_address_lookup::MdnsAddressLookup::builder()
                        .service_name(MDNS_SERVICE_NAME),
                ),
                AddressLookupKind::PkarrPublish => b.address_lookup(PkarrPublisher::n0_dns()),
                AddressLookupKind::DnsResolve => b
                    .address_lookup(PkarrResolver::n0_dns())
                    .address_lookup(DnsAddressLookup::n0_dns()),
            };
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [5; 32];

    #[test]
    fn online_uses_relays_dns_and_mdns() {
        let c = NetConfig::online(KEY);
        assert_eq!(c.relay, Relay::N0);
        assert_eq!(
            c.address_lookups(),
            vec![
                AddressLookupKind::Mdns,
                AddressLookupKind::PkarrPublish,
                AddressLookupKind::DnsResolve
            ]
        );
    }

    #[test]
    fn lan_only_contacts_nothing_beyond_the_lan() {
        let c = NetConfig::lan_only(KEY);
        assert_eq!(c.address_lookups(), vec![AddressLookupKind::Mdns]);
        assert_eq!(c.relay, Relay::Disabled);
        assert!(!c.contacts_internet());
    }

    #[test]
    fn mdns_can_be_turned_on_and_off() {
        assert!(
            !NetConfig::online(KEY)
                .with_mdns(false)
                .address_lookups()
                .contains(&AddressLookupKind::Mdns)
        );
        assert!(
            NetConfig::loopback(KEY)
                .with_mdns(true)
                .address_lookups()
                .contains(&AddressLookupKind::Mdns)
        );
        assert!(
            NetConfig::lan_only(KEY)
                .with_mdns(false)
                .address_lookups()
                .is_empty()
        );
    }

    #[test]
    fn self_hosted_relay_replaces_n0s() {
        let url: RelayUrl = "https://relay.example.invalid/".parse().expect("literal");
        let c = NetConfig::online(KEY).with_relay(url.clone());
        assert_eq!(c.relay, Relay::Custom(vec![url]));
    }

    #[test]
    fn loopback_binds_loopback_only_and_looks_nothing_up() {
        let c = NetConfig::loopback(KEY);
        assert!(c.address_lookups().is_empty());
        assert!(c.bind_addr.is_some_and(|a| a.ip().is_loopback()));
        assert!(!c.contacts_internet());
    }

    #[test]
    fn debug_output_never_shows_the_secret_key() {
        let s = format!("{:?}", NetConfig::online([0xAB; 32]));
        assert!(
            !s.contains("171") && !s.to_lowercase().contains("abab"),
            "{s}"
        );
    }
}
