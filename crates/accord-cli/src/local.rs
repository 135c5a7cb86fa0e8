//! The local socket: while a profile is open in a running peer (`accord serve`, and the desktop
//! app when it adopts this module), other `accord` commands on that profile are carried out by
//! that process. A Unix domain socket `accord.sock` in the profile directory, mode 0600 (and a
//! peer-credential check: only the owner's processes are answered), one JSON line each way: the
//! [`Request`] and the [`Response`].
//!
//! The desktop app can serve it too: `LocalServer::start(workspace.clone())` once the profile is
//! open, `stop()` before closing it.
//!
//! Every connection is bounded, so that a client that connects and never finishes (a hung
//! script, a crashed command) cannot hold the server: the request line must arrive within
//! [`REQUEST_DEADLINE`] and be at most [`MAX_REQUEST`] bytes, the answer must be taken within
//! [`WRITE_DEADLINE`], and at most [`MAX_CONNECTIONS`] are served at once — one more is
//! answered at once with an error and closed. Each refusal is a [`Response`] with its reason,
//! where the client can still read one.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use accord::Workspace;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::OwnedReadHalf;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Semaphore;

use crate::exec::{self, Host, Output, Request};

/// The socket's name in the profile directory.
pub const SOCKET_FILE: &str = "accord.sock";
/// The largest request line accepted, in bytes (a command line is small; a clause's text
/// is the largest thing in one).
pub const MAX_REQUEST: usize = 1 << 20;
/// How long a connection has to send its request line.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
/// How long a client has to take its answer.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(30);
/// How many connections are served at once.
pub const MAX_CONNECTIONS: usize = 64;
/// How much of an over-long request is read (and dropped) after it is refused.
const DRAIN_LIMIT: u64 = 64 << 20;

pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join(SOCKET_FILE)
}

/// The answer to one request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default)]
    pub output: Output,
    /// The error, one line, when `ok` is false.
    #[serde(default)]
    pub error: Option<String>,
}

/// A running socket server; stop it before closing the workspace.
#[derive(Debug)]
pub struct LocalServer {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl LocalServer {
    /// Listens on `accord.sock` in the workspace's profile directory. Call it only while
    /// holding the profile (an open workspace): a socket left by a process that died is
    /// replaced.
    pub async fn start(ws: Workspace) -> io::Result<LocalServer> {
        let dir = ws.dir().to_path_buf();
        let path = socket_path(&dir);
        // Bound inside a private directory, made owner-only, then moved into place: at no
        // moment can another user connect.
        let private = dir.join(format!(".accord-sock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&private);
        std::fs::DirBuilder::new().mode(0o700).create(&private)?;
        let tmp = private.join("s");
        let listener = UnixListener::bind(&tmp)?;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        std::fs::rename(&tmp, &path)?;
        std::fs::remove_dir(&private)?;
        let owner = std::fs::metadata(&path)?.uid();
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        let task = tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors, most likely: let some close before the
                        // next try rather than spin.
                        tracing::warn!(error = %e, "local socket: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                match stream.peer_cred() {
                    Ok(c) if c.uid() == owner => {}
                    _ => {
                        tracing::warn!("local socket: a process of another user was refused");
                        continue;
                    }
                }
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(
                        "local socket: a connection beyond {MAX_CONNECTIONS} was refused"
                    );
                    // Into the socket's empty send buffer at once, never waiting on the client.
                    let _ = stream.try_write(&encode(&failure(format!(
                        "the running accord process is serving {MAX_CONNECTIONS} connections \
                         already; try again in a moment"
                    ))));
                    continue;
                };
                let ws = ws.clone();
                tokio::spawn(async move {
                    answer(ws, stream).await;
                    drop(slot);
                });
            }
        });
        Ok(LocalServer { path, task })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops listening and removes the socket.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        let _ = std::fs::remove_file(&self.path);
    }
}

fn failure(error: String) -> Response {
    Response {
        ok: false,
        output: Output::default(),
        error: Some(error),
    }
}

fn encode(response: &Response) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(response).expect("responses encode");
    bytes.push(b'\n');
    bytes
}

async fn answer(ws: Workspace, stream: UnixStream) {
    let (mut read, mut write) = stream.into_split();
    let mut unread = false;
    let response = match read_request(&mut read).await {
        Err(Refusal { error, too_long }) => {
            unread = too_long;
            failure(error)
        }
        Ok(req) => {
            tracing::info!(command = ?req.command, "local request");
            // Answered only once what it changed is on disk: "ok" means saved.
            let done = match exec::run(&ws, &req, Host::Peer).await {
                Ok(output) => match ws.flush().await {
                    Ok(()) => Ok(output),
                    Err(e) => Err(anyhow::Error::new(e).context("the change was not saved")),
                },
                Err(e) => Err(e),
            };
            match done {
                Ok(output) => Response {
                    ok: true,
                    output,
                    error: None,
                },
                Err(e) => failure(crate::chain(&e)),
            }
        }
    };
    let bytes = encode(&response);
    let written = tokio::time::timeout(WRITE_DEADLINE, async {
        write.write_all(&bytes).await?;
        write.shutdown().await
    })
    .await;
    if written.is_err() {
        tracing::warn!(
            "local socket: the client did not take its answer within {}s",
            WRITE_DEADLINE.as_secs()
        );
    }
    if unread {
        // A socket closed with input left unread resets the connection, and the client loses
        // the answer it has not read yet: what the client still sends is read and dropped,
        // within the request's deadline and a bound.
        let mut rest = (&mut read).take(DRAIN_LIMIT);
        let _ = tokio::time::timeout(
            REQUEST_DEADLINE,
            tokio::io::copy(&mut rest, &mut tokio::io::sink()),
        )
        .await;
    }
}

/// Why a connection's request is not carried out, for the client.
struct Refusal {
    error: String,
    /// The client may still be sending it.
    too_long: bool,
}

impl From<String> for Refusal {
    fn from(error: String) -> Self {
        Refusal {
            error,
            too_long: false,
        }
    }
}

/// The request line of a connection, within [`REQUEST_DEADLINE`] and [`MAX_REQUEST`] bytes.
async fn read_request(read: &mut OwnedReadHalf) -> Result<Request, Refusal> {
    let mut line = Vec::new();
    // One byte more than the limit: a line of exactly the limit still has room for its end.
    let mut reader = BufReader::new(read.take(MAX_REQUEST as u64 + 1));
    match tokio::time::timeout(REQUEST_DEADLINE, reader.read_until(b'\n', &mut line)).await {
        Err(_) => {
            return Err(format!(
                "no request arrived within {}s; the connection is closed",
                REQUEST_DEADLINE.as_secs()
            )
            .into());
        }
        Ok(Err(e)) => return Err(format!("the request could not be read: {e}").into()),
        Ok(Ok(_)) => {}
    }
    if line.last() != Some(&b'\n') && line.len() > MAX_REQUEST {
        return Err(Refusal {
            error: format!("the request is longer than the limit of {MAX_REQUEST} bytes"),
            too_long: true,
        });
    }
    if line.is_empty() {
        return Err(String::from("the connection closed before a request was sent").into());
    }
    serde_json::from_slice::<Request>(&line).map_err(|e| {
        format!("the request is not one this version of accord understands: {e}").into()
    })
}

/// Sends a request to the process serving the profile in `dir`. `None` when nobody answers
/// the socket (no such process, or it died).
pub async fn forward(dir: &Path, req: &Request) -> Option<io::Result<Response>> {
    let stream = tokio::time::timeout(
        Duration::from_secs(2),
        UnixStream::connect(socket_path(dir)),
    )
    .await
    .ok()?
    .ok()?;
    Some(exchange(stream, req).await)
}

async fn exchange(stream: UnixStream, req: &Request) -> io::Result<Response> {
    let (read, mut write) = stream.into_split();
    let mut bytes = serde_json::to_vec(req).map_err(io::Error::other)?;
    bytes.push(b'\n');
    // A request the server refuses part way (too long) is answered before the server stops
    // reading it: the answer is read even when the rest could not be written.
    let wrote = write.write_all(&bytes).await;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    if line.is_empty() {
        wrote?;
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the running accord process closed the connection without answering",
        ));
    }
    serde_json::from_str(&line).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("its answer is malformed: {e}"),
        )
    })
}
