//! The one error type of this crate.

use iroh::EndpointId;

/// Everything that can go wrong in the network layer.
///
/// Messages are lowercase and carry their context, so a caller can show them as they are.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The iroh endpoint could not be bound (port taken, no usable interface, ...).
    #[error("binding the iroh endpoint failed: {0}")]
    Bind(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// The configured address lookup (mDNS) could not be started.
    #[error("starting address lookup {what} failed: {source}")]
    AddressLookup {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// The samod repo was stopped before the network layer was started.
    #[error("the document repo is stopped")]
    RepoStopped,

    /// Connecting to a peer failed.
    #[error("connecting to {peer} failed: {message}")]
    Connect { peer: EndpointId, message: String },

    /// A join exchange failed on the wire (stream reset, connection lost, ...).
    #[error("join exchange with {peer} failed: {message}")]
    JoinIo { peer: EndpointId, message: String },

    /// The host did not answer a join request in time.
    #[error("join request to {peer} timed out after {seconds} s")]
    JoinTimeout { peer: EndpointId, seconds: u64 },

    /// The join request is bigger than the protocol allows; nothing was sent.
    #[error("join request of {len} bytes is over the limit of {max} bytes")]
    JoinRequestTooLarge { len: usize, max: usize },

    /// The host answered, but with bytes that are not a join response.
    #[error("malformed join response from {peer}: {message}")]
    JoinMalformedResponse { peer: EndpointId, message: String },

    /// The host refused the join; `message` is the host's reason, meant for a person.
    #[error("join refused by {peer}: {message}")]
    JoinRefused { peer: EndpointId, message: String },

    /// A ticket string could not be read.
    #[error("invalid ticket: {0}")]
    Ticket(#[from] TicketError),

    /// A ticket was to be signed with a key other than its host's.
    #[error("a ticket is signed by its host {host}, not by {signer}")]
    TicketSigner {
        signer: EndpointId,
        host: EndpointId,
    },

    /// A QR code could not be drawn (the ticket is too long for any QR version).
    #[error("drawing the QR code failed: {0}")]
    Qr(String),

    /// The repo was built with a peer id other than this device's endpoint id.
    #[error(
        "the repo's peer id {repo} is not this device's endpoint id {endpoint} (use peer_id_for)"
    )]
    PeerIdMismatch { repo: String, endpoint: String },

    /// Shutting down the router failed (a protocol handler panicked).
    #[error("shutting down the network layer failed: {0}")]
    ShutdownFailed(String),

    /// The network layer has been shut down.
    #[error("the network layer is shut down")]
    Shutdown,
}

/// Why a ticket string was rejected. Each case says what a person can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketError {
    #[error("it does not start with \"{expected}\" (is it an Accord invitation?)")]
    WrongPrefix { expected: &'static str },
    #[error("it contains characters that cannot be in a ticket (at position {position})")]
    BadCharacters { position: usize },
    /// Characters are missing at the end; `missing` says how many when the ticket's header
    /// arrived.
    #[error("{}", too_short(*missing))]
    Truncated { missing: Option<usize> },
    /// The ticket is whole and followed by `extra` characters.
    #[error("it has {extra} characters after its end: something was added when copied, remove it")]
    TrailingCharacters { extra: usize },
    /// There are `extra` characters more than the ticket's header says, and they are not
    /// simply after its end.
    #[error(
        "it is {extra} characters too long: characters were added inside it when copied, or its \
         start was mistyped"
    )]
    TooLong { extra: usize },
    #[error("its checksum does not match: it was changed or mistyped when copied")]
    Checksum,
    /// The ticket's content is not what its host signed: someone changed it.
    #[error("this ticket was altered: its signature does not match")]
    SignatureMismatch,
    /// A ticket of an earlier format (version 1 tickets were not signed).
    #[error("it was made by an older Accord (ticket version {found}): ask for a new ticket")]
    OldVersion { found: u8 },
    #[error("it is version {found}, this program reads version {supported}: update Accord")]
    UnknownVersion { found: u8, supported: u8 },
    #[error("its content cannot be read: {0}")]
    Malformed(String),
}

fn too_short(missing: Option<usize>) -> String {
    match missing {
        Some(n) => {
            format!("it is {n} characters too short: it was probably cut off when copied")
        }
        None => "it is too short: it was probably cut off when copied".into(),
    }
}
