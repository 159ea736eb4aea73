//! A line-echo server that shuts down gracefully: every connection says goodbye, async.
//!
//! - The server is a `CancelScope` (shutdown) around a `TaskGroup` (one task per
//!   connection): cancelling the scope cuts the accept loop and every connection's task.
//! - A connection is a `Session`, whose exit writes a goodbye line saying why the session
//!   ended and shuts down its write half — an async exit, which runs on every path: the
//!   client left, the connection sat idle, or the server shut down.
//! - Each connection has an idle timeout: `timeout` binds a `TimeoutHandle`, moved on with
//!   every line received; `suppress::<Elapsed>()` before it turns an idle connection into a
//!   goodbye rather than a failure of the whole group.
//!
//! An in-process client connects three times: one client says hello and leaves, one sits
//! idle, one asks for a shutdown while another is still open.
//!
//! Run with `cargo run -p async-with-tests --example shutdown`.

use async_with::{
    CancelHandle, CancelScope, Elapsed, Outcome, TaskGroup, async_context, async_with, suppress,
    timeout,
};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::Instant;

const IDLE: Duration = Duration::from_millis(300);

type Log = Arc<Mutex<Vec<String>>>;

/// One client's connection: its exit says goodbye and closes the write half.
struct Session {
    id: u32,
    writer: OwnedWriteHalf,
    log: Log,
}

#[async_context]
impl Session {
    async fn enter(&mut self) -> io::Result<&mut OwnedWriteHalf> {
        self.writer.write_all(b"welcome\n").await?;
        Ok(&mut self.writer)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let why = if outcome.is_ok() {
            "bye".to_string()
        } else if outcome.is_cancelled() {
            "bye: the server is shutting down".to_string()
        } else if outcome.downcast_ref::<Elapsed>().is_some() {
            "bye: idle too long".to_string()
        } else {
            format!("bye: {outcome}")
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("session {}: {why}", self.id));
        self.writer.write_all(format!("{why}\n").as_bytes()).await?;
        self.writer.shutdown().await
    }
}

/// Serves one connection: echoes lines until the client leaves, idles, or asks the server
/// to shut down.
async fn serve(
    id: u32,
    reader: OwnedReadHalf,
    writer: OwnedWriteHalf,
    shutdown: CancelHandle,
    log: Log,
) -> io::Result<()> {
    let mut lines = BufReader::new(reader).lines();
    // The session's exit sees how its body ended — an idle timeout too — before
    // `suppress` (outside it) swallows `Elapsed`.
    async_with!(
        suppress::<Elapsed>(),
        Session { id, writer, log } as writer,
        timeout(IDLE) as idle => {
        while let Some(line) = lines.next_line().await? {
            idle.reschedule(Instant::now() + IDLE);
            if line == "shutdown" {
                shutdown.cancel();
            }
            writer.write_all(format!("echo {line}\n").as_bytes()).await?;
        }
    });
    Ok(())
}

async fn server(listener: TcpListener, log: Log) -> io::Result<()> {
    let scope = CancelScope::new();
    let shutdown = scope.handle();
    let mut next = 0;
    async_with!(scope, TaskGroup::<io::Error>::new() as connections => {
        loop {
            let (socket, _) = listener.accept().await?;
            next += 1;
            let (reader, writer) = socket.into_split();
            connections.spawn(serve(next, reader, writer, shutdown.clone(), log.clone()));
        }
    });
    log.lock().unwrap().push("server: stopped".into());
    Ok(())
}

/// Sends `lines` (then leaves, if `leave`; says so on `echoed` once they were echoed), and
/// reads what the server says until it closes the connection.
async fn client(
    addr: std::net::SocketAddr,
    lines: &[&str],
    leave: bool,
    echoed: Option<oneshot::Sender<()>>,
) -> io::Result<Vec<String>> {
    let (reader, mut writer) = TcpStream::connect(addr).await?.into_split();
    let mut replies = BufReader::new(reader).lines();
    let mut seen = vec![replies.next_line().await?.unwrap_or_default()];
    for line in lines {
        writer.write_all(format!("{line}\n").as_bytes()).await?;
        seen.push(replies.next_line().await?.unwrap_or_default());
    }
    if let Some(echoed) = echoed {
        let _ = echoed.send(());
    }
    if leave {
        writer.shutdown().await?;
    }
    while let Some(line) = replies.next_line().await? {
        seen.push(line);
    }
    Ok(seen)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let log = Log::default();
    let server = tokio::spawn(server(listener, log.clone()));

    // Says hello and leaves.
    let leaves = client(addr, &["hello"], true, None).await?;
    // Sits idle until the server closes it.
    let idles = client(addr, &["hello"], false, None).await?;
    // Stays connected while another client asks the server to shut down.
    let (echoed, stays_connected) = oneshot::channel();
    let stays = tokio::spawn(client(addr, &["still here"], false, Some(echoed)));
    stays_connected.await.expect("the staying client");
    let stops = client(addr, &["shutdown"], false, None).await?;
    let stays = stays.await.expect("the client task")?;
    server.await.expect("the server task")?;

    for (name, seen) in [
        ("leaves", &leaves),
        ("idles", &idles),
        ("stays", &stays),
        ("stops", &stops),
    ] {
        println!("client {name}: {seen:?}");
    }
    let mut log = log.lock().unwrap().clone();
    log.sort();
    for line in &log {
        println!("{line}");
    }
    assert_eq!(leaves, ["welcome", "echo hello", "bye"]);
    assert_eq!(idles, ["welcome", "echo hello", "bye: idle too long"]);
    assert_eq!(
        stays,
        [
            "welcome",
            "echo still here",
            "bye: the server is shutting down"
        ]
    );
    assert_eq!(
        stops,
        [
            "welcome",
            "echo shutdown",
            "bye: the server is shutting down"
        ]
    );
    Ok(())
}
