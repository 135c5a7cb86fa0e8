//! The local socket: while a profile is open in a running peer (`accord serve`, and the desktop
//! app when it adopts this module), other `accord` commands on that profile are carried out by
//! that process. A Unix domain socket `accord.sock` in the profile directory, mode 0600 (and a
//! peer-credential check: only the owner's processes are answered), one JSON line each way: the
//! [`Request`] and the [`Response`].
//!
//! The desktop app can serve it too: `LocalServer::start(workspace.clone())` once the profile is
//! open, `stop()` before closing it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use accord::Workspace;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::exec::{self, Host, Output, Request};

/// The socket's name in the profile directory.
pub const SOCKET_FILE: &str = "accord.sock";
/// The largest request accepted (a command line is small).
const MAX_REQUEST: u64 = 1 << 20;

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
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                match stream.peer_cred() {
                    Ok(c) if c.uid() == owner => {}
                    _ => {
                        tracing::warn!("local socket: a process of another user was refused");
                        continue;
                    }
                }
                tokio::spawn(answer(ws.clone(), stream));
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

async fn answer(ws: Workspace, stream: UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let response = match BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await
    {
        Err(e) => Response {
            ok: false,
            output: Output::default(),
            error: Some(format!("the request could not be read: {e}")),
        },
        Ok(_) => match serde_json::from_str::<Request>(&line) {
            Err(e) => Response {
                ok: false,
                output: Output::default(),
                error: Some(format!(
                    "the request is not one this version of accord understands: {e}"
                )),
            },
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
                    Err(e) => Response {
                        ok: false,
                        output: Output::default(),
                        error: Some(crate::chain(&e)),
                    },
                }
            }
        },
    };
    let mut bytes = serde_json::to_vec(&response).expect("responses encode");
    bytes.push(b'\n');
    let _ = write.write_all(&bytes).await;
    let _ = write.shutdown().await;
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
    write.write_all(&bytes).await?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    if line.is_empty() {
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
