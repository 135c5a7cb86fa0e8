//! The local socket's limits, against a `LocalServer` on a temporary profile (what `accord
//! serve` runs): a connection that sends nothing is closed at its deadline, an over-long
//! request is refused, connections beyond the bound are refused at once, and a real command
//! still works beside many idle connections.

use std::path::Path;
use std::time::{Duration, Instant};

use accord::{OpenOptions, Workspace};
use accord_cli::cli::{Command, MeetingCmd};
use accord_cli::exec::Request;
use accord_cli::local::{
    self, LocalServer, MAX_CONNECTIONS, MAX_REQUEST, REQUEST_DEADLINE, Response,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const WAIT: Duration = Duration::from_secs(30);

async fn served(dir: &Path) -> (Workspace, LocalServer) {
    let ws = tokio::time::timeout(WAIT, Workspace::open_with(dir, OpenOptions::default()))
        .await
        .expect("open in time")
        .expect("open");
    let server = LocalServer::start(ws.clone()).await.expect("the socket");
    (ws, server)
}

async fn stop(ws: Workspace, server: LocalServer) {
    server.stop().await;
    tokio::time::timeout(WAIT, ws.close())
        .await
        .expect("close in time")
        .unwrap();
}

/// Everything the server sends until it closes the connection, within `within`.
async fn until_closed(stream: &mut UnixStream, within: Duration) -> Response {
    let mut got = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut got))
        .await
        .expect("the server closed the connection in time")
        .expect("read");
    serde_json::from_slice(&got).unwrap_or_else(|e| {
        panic!(
            "not one response ({e}): {:?}",
            String::from_utf8_lossy(&got)
        )
    })
}

fn meeting_list(dir: &Path) -> Request {
    Request {
        command: Command::Meeting(MeetingCmd::List),
        json: true,
        cwd: dir.to_path_buf(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_nothing_is_closed_after_the_request_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, server) = served(dir.path()).await;
    let start = Instant::now();
    let mut idle = UnixStream::connect(server.path()).await.unwrap();
    let r = until_closed(&mut idle, REQUEST_DEADLINE + WAIT).await;
    assert!(!r.ok);
    let error = r.error.unwrap_or_default();
    assert!(error.contains("no request arrived within 5s"), "{error}");
    assert!(
        start.elapsed() >= REQUEST_DEADLINE - Duration::from_millis(100),
        "closed before its deadline, after {:?}",
        start.elapsed()
    );
    stop(ws, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_request_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ws, server) = served(dir.path()).await;
    let stream = UnixStream::connect(server.path()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // The server stops reading at the limit: the rest may not be written, which is fine.
    let writer = tokio::spawn(async move {
        let _ = write.write_all(&vec![b'x'; MAX_REQUEST + 4096]).await;
        write
    });
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, read.read_to_end(&mut got))
        .await
        .expect("answered in time")
        .expect("read");
    let r: Response = serde_json::from_slice(&got).expect("one response");
    assert!(!r.ok);
    let error = r.error.unwrap_or_default();
    assert!(
        error.contains(&format!("longer than the limit of {MAX_REQUEST} bytes")),
        "{error}"
    );
    drop(
        tokio::time::timeout(WAIT, writer)
            .await
            .expect("the writer ends"),
    );

    // Through the client's own door, the same: a search for a text over the limit.
    let mut req = meeting_list(dir.path());
    req.command = Command::Search {
        query: "x".repeat(MAX_REQUEST),
        limit: 1,
    };
    let r = tokio::time::timeout(WAIT, local::forward(dir.path(), &req))
        .await
        .expect("answered in time")
        .expect("the server answers")
        .expect("an answer, not an IO error");
    assert!(!r.ok);
    assert!(
        r.error
            .unwrap_or_default()
            .contains("longer than the limit"),
        "the client reads the refusal"
    );
    stop(ws, server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_works_beside_many_idle_connections_and_one_beyond_the_bound_is_refused_at_once()
{
    let dir = tempfile::tempdir().unwrap();
    let (ws, server) = served(dir.path()).await;
    ws.create_meeting(&accord::model::MeetingDetails::titled("Idle"), &[])
        .await
        .unwrap();
    tokio::time::timeout(WAIT, ws.index_settled())
        .await
        .expect("indexed in time")
        .unwrap();
    // All slots but one held by connections that send nothing.
    let mut idle = Vec::new();
    for _ in 0..MAX_CONNECTIONS - 1 {
        idle.push(UnixStream::connect(server.path()).await.unwrap());
    }
    let r = tokio::time::timeout(WAIT, local::forward(dir.path(), &meeting_list(dir.path())))
        .await
        .expect("answered in time")
        .expect("the server answers")
        .expect("an answer");
    assert!(r.ok, "{:?}", r.error);
    assert!(r.output.stdout.contains("Idle"), "{}", r.output.stdout);

    // The last slot taken too: one more is answered at once (well before any deadline).
    idle.push(UnixStream::connect(server.path()).await.unwrap());
    let start = Instant::now();
    let mut extra = UnixStream::connect(server.path()).await.unwrap();
    let r = until_closed(&mut extra, WAIT).await;
    assert!(
        start.elapsed() < REQUEST_DEADLINE / 2,
        "refused only after {:?}",
        start.elapsed()
    );
    let error = r.error.unwrap_or_default();
    assert!(
        error.contains(&format!("serving {MAX_CONNECTIONS} connections already")),
        "{error}"
    );

    // The idle ones gone, commands are served again.
    drop(idle);
    let deadline = Instant::now() + WAIT;
    loop {
        let r = tokio::time::timeout(WAIT, local::forward(dir.path(), &meeting_list(dir.path())))
            .await
            .expect("answered in time")
            .expect("the server answers")
            .expect("an answer");
        if r.ok {
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {:?}", r.error);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(ws, server).await;
}
