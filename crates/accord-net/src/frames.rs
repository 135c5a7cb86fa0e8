//! Sync frames: samod messages over one QUIC bi-stream, length-delimited, with our own limit.
//!
//! samod's `Transport::from_tokio_io` accepts frames up to 8 GB, so a peer could make us
//! allocate that much. We frame with a u32 big-endian length prefix (the same framing as
//! samod's `from_tokio_io` and its `TcpDialer`) and a configurable maximum. A frame over the
//! limit is a receive error: samod ends that one connection, and dropping the transport closes
//! the underlying iroh connection (see [`CloseOnDrop`]). Undecodable frames are samod's to
//! reject; it closes the connection the same way.

use std::sync::Arc;

use futures::{SinkExt, StreamExt, TryStreamExt};
use iroh::endpoint::{Connection, RecvStream, SendStream, VarInt};
use samod::{PeerId, Transport};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// QUIC close code used when a sync connection ends because samod dropped it
/// (peer sent an oversized or undecodable frame, or the repo stopped).
pub const CLOSE_SYNC_ENDED: u32 = 1;

/// The length-delimited codec with our limit.
pub(crate) fn codec(max_frame_len: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(4)
        .big_endian()
        .max_frame_length(max_frame_len)
        .new_codec()
}

/// Closes an iroh connection when dropped. Held by the transport's stream, so when samod is
/// done with a connection (for whatever reason) the QUIC connection goes too and the peer
/// notices at once, rather than holding a half-dead connection.
#[derive(Debug)]
pub(crate) struct CloseOnDrop(pub(crate) Connection);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0
            .close(VarInt::from_u32(CLOSE_SYNC_ENDED), b"sync connection ended");
    }
}

/// A samod transport over one bi-stream of `conn`, bound to the authenticated remote id.
pub(crate) fn transport(
    conn: Connection,
    send: SendStream,
    recv: RecvStream,
    max_frame_len: usize,
    policy: crate::AccessPolicy,
) -> Transport {
    let remote = conn.remote_id();
    let peer = PeerId::from(remote.to_string());
    let guard = Arc::new(CloseOnDrop(conn));
    let framed = Framed::new(tokio::io::join(recv, send), codec(max_frame_len));
    let (sink, stream) = framed.split();
    let stream = stream
        // A connection closed in order (by either side) ends the stream: samod then reports
        // that the peer disconnected, where an error would be logged as one.
        .take_while(|item| futures::future::ready(!matches!(item, Err(e) if is_orderly_close(e))))
        .map_ok(move |frame| {
            let _keep = &guard;
            frame.to_vec()
        })
        // Each change is admitted or not before samod applies it (see `crate::admit`).
        .and_then(move |frame| {
            let policy = policy.clone();
            Box::pin(async move { Ok(crate::admit::filter(&policy, remote, frame).await) })
        })
        .inspect_err(|e| tracing::debug!(error = %e, "sync frame rejected"));
    // A message for a connection that closed in order goes with it (samod learns of the
    // close from the stream), rather than ending the connection as a send error.
    let sink = Box::pin(futures::sink::unfold(
        sink,
        |mut sink, msg: Vec<u8>| async move {
            match sink.send(bytes_from(msg)).await {
                Err(e) if is_orderly_close(&e) => Ok(sink),
                other => other.map(|()| sink),
            }
        },
    ));
    Transport::new(stream, sink).with_expected_peer_id(peer)
}

/// Whether a receive or send error is the connection's orderly close, by this side or the
/// peer's application (leaving, shutting down, a sync connection ended), not a failure.
fn is_orderly_close(e: &std::io::Error) -> bool {
    use iroh::endpoint::{ConnectionError, ReadError, WriteError};
    let inner = e.get_ref();
    let lost = match (
        inner.and_then(|i| i.downcast_ref::<ReadError>()),
        inner.and_then(|i| i.downcast_ref::<WriteError>()),
    ) {
        (Some(ReadError::ConnectionLost(c)), _) | (_, Some(WriteError::ConnectionLost(c))) => c,
        _ => return false,
    };
    match lost {
        ConnectionError::ApplicationClosed(_) | ConnectionError::LocallyClosed => true,
        // This side's endpoint is gone (noq's words for it): only our own shutdown drops it,
        // and a connection it closed a moment before may still report it so.
        ConnectionError::TransportError(t) => {
            t.code == iroh::endpoint::TransportErrorCode::INTERNAL_ERROR
                && t.reason == ENDPOINT_DROPPED
        }
        _ => false,
    }
}

/// The reason noq gives a connection whose endpoint was dropped.
const ENDPOINT_DROPPED: &str = "endpoint driver future was dropped";

fn bytes_from(v: Vec<u8>) -> tokio_util::bytes::Bytes {
    tokio_util::bytes::Bytes::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iroh::endpoint::{ApplicationClose, ConnectionError, ReadError, WriteError};

    /// An error as the bi-stream's reader yields it (noq's own conversion).
    fn read_error(e: ReadError) -> std::io::Error {
        std::io::Error::from(e)
    }

    #[test]
    fn a_connection_closed_in_order_is_not_a_receive_error() {
        let closed_by_peer = ConnectionError::ApplicationClosed(ApplicationClose {
            error_code: VarInt::from_u32(CLOSE_SYNC_ENDED),
            reason: b"sync connection ended".to_vec().into(),
        });
        assert!(is_orderly_close(&read_error(ReadError::ConnectionLost(
            closed_by_peer
        ))));
        assert!(is_orderly_close(&read_error(ReadError::ConnectionLost(
            ConnectionError::LocallyClosed
        ))));
        // Failures stay errors: a lost link, a reset stream, a frame over the limit.
        assert!(!is_orderly_close(&read_error(ReadError::ConnectionLost(
            ConnectionError::TimedOut
        ))));
        assert!(!is_orderly_close(&read_error(ReadError::ClosedStream)));
        // This side's endpoint shut down under a connection; any other transport error fails.
        use iroh::endpoint::{TransportError, TransportErrorCode};
        let transport = |code, reason: &str| {
            read_error(ReadError::ConnectionLost(ConnectionError::TransportError(
                TransportError::new(code, reason.to_string()),
            )))
        };
        assert!(is_orderly_close(&transport(
            TransportErrorCode::INTERNAL_ERROR,
            ENDPOINT_DROPPED
        )));
        assert!(!is_orderly_close(&transport(
            TransportErrorCode::INTERNAL_ERROR,
            "something else broke"
        )));
        assert!(!is_orderly_close(&transport(
            TransportErrorCode::PROTOCOL_VIOLATION,
            ENDPOINT_DROPPED
        )));
        // Sending on a connection closed in order, as the writer reports it; and on one reset.
        let write_error = |c| std::io::Error::from(WriteError::ConnectionLost(c));
        assert!(is_orderly_close(&write_error(
            ConnectionError::LocallyClosed
        )));
        assert!(!is_orderly_close(&write_error(ConnectionError::Reset)));
        assert!(!is_orderly_close(&std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "frame size too big"
        )));
    }
}
