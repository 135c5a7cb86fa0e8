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
) -> Transport {
    let peer = PeerId::from(conn.remote_id().to_string());
    let guard = Arc::new(CloseOnDrop(conn));
    let framed = Framed::new(tokio::io::join(recv, send), codec(max_frame_len));
    let (sink, stream) = framed.split();
    let stream = stream
        .map_ok(move |frame| {
            let _keep = &guard;
            frame.to_vec()
        })
        .inspect_err(|e| tracing::debug!(error = %e, "sync frame rejected"));
    let sink =
        sink.with(|msg: Vec<u8>| futures::future::ready(Ok::<_, std::io::Error>(bytes_from(msg))));
    Transport::new(stream, sink).with_expected_peer_id(peer)
}

fn bytes_from(v: Vec<u8>) -> tokio_util::bytes::Bytes {
    tokio_util::bytes::Bytes::from(v)
}
