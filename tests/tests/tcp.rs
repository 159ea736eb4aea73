//! SPEC §5.4: a client connection on loopback whose exit sends a closing line and shuts
//! down its write half, on every path; a local server records what arrived.

use async_with::async_with;
use async_with_tests::tcp::Client;
use std::io;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

/// Accepts one connection and returns every line it sent, once the client shut down
/// its write half (the read side sees end of file).
async fn server() -> (std::net::SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let mut lines = BufReader::new(socket).lines();
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            seen.push(line);
        }
        seen
    });
    (addr, handle)
}

#[tokio::test]
async fn a_completed_block_says_bye_and_closes() -> io::Result<()> {
    let (addr, received) = server().await;
    async_with!(Client::connect(addr).await? as c => {
        c.send("HELLO").await?;
    });
    assert_eq!(received.await.unwrap(), ["HELLO", "BYE"]);
    Ok(())
}

#[tokio::test]
async fn a_failed_block_says_why_and_closes() {
    async fn run(addr: std::net::SocketAddr) -> io::Result<()> {
        async_with!(Client::connect(addr).await? as c => {
            c.send("HELLO").await?;
            Err(io::Error::other("bad input"))?;
        });
        Ok(())
    }
    let (addr, received) = server().await;
    assert_eq!(run(addr).await.unwrap_err().to_string(), "bad input");
    assert_eq!(received.await.unwrap(), ["HELLO", "ABORT bad input"]);
}

#[tokio::test]
async fn an_early_return_and_a_panic_close_too() {
    async fn early(addr: std::net::SocketAddr) -> io::Result<u8> {
        async_with!(Client::connect(addr).await? as c => {
            c.send("HELLO").await?;
            return Ok(1);
        });
        Ok(0)
    }
    let (addr, received) = server().await;
    assert_eq!(early(addr).await.unwrap(), 1);
    assert_eq!(received.await.unwrap(), ["HELLO", "BYE"]);

    let (addr, received) = server().await;
    let joined = tokio::spawn(async move {
        async_with!(Client::connect(addr).await? as c => {
            c.send("HELLO").await?;
            panic!("client crashed");
        });
        Ok::<(), io::Error>(())
    })
    .await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(
        received.await.unwrap(),
        ["HELLO", "ABORT panicked: client crashed"]
    );
}

/// A connection handled by the server below: exit says goodbye on the socket (an await)
/// and records how the connection ended.
struct Served {
    id: u32,
    ended: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[async_with::async_context]
impl Served {
    async fn exit(&mut self, outcome: async_with::Outcome<'_>) {
        tokio::task::yield_now().await;
        let line = format!("connection {} ended: {outcome}", self.id);
        self.ended.lock().unwrap().push(line);
    }
}

/// Echoes four bytes, within a deadline.
async fn serve(
    mut socket: tokio::net::TcpStream,
    served: Served,
    opened: tokio::sync::mpsc::UnboundedSender<u32>,
) -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = opened.send(served.id);
    async_with!(async_with::timeout(std::time::Duration::from_secs(30)), served => {
        let mut word = [0u8; 4];
        socket.read_exact(&mut word).await?;
        socket.write_all(&word).await?;
    });
    Ok(())
}

#[tokio::test]
async fn a_server_shuts_down_gracefully_every_connection_exiting_async() -> io::Result<()> {
    // A graceful shutdown as Trio programs write it: a `CancelScope` for shutdown around a
    // `TaskGroup` of connections, each under a `timeout`. Cancelling the scope cuts the
    // accept loop and every connection still open; each connection's async exit runs.
    use async_with::{CancelScope, TaskGroup};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let ended = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (opened, mut open) = tokio::sync::mpsc::unbounded_channel();
    let shutdown = CancelScope::new();
    let stop = shutdown.handle();
    let clients = tokio::spawn(async move {
        let mut echo = tokio::net::TcpStream::connect(addr).await.unwrap();
        echo.write_all(b"ping").await.unwrap();
        let mut word = [0u8; 4];
        echo.read_exact(&mut word).await.unwrap();
        assert_eq!(&word, b"ping");
        // Two clients that never write; shut down once the server holds both.
        let idle = [
            tokio::net::TcpStream::connect(addr).await.unwrap(),
            tokio::net::TcpStream::connect(addr).await.unwrap(),
        ];
        let mut seen = 0;
        while seen < 3 {
            open.recv().await.unwrap();
            seen += 1;
        }
        stop.cancel();
        idle
    });
    let mut next = 0;
    async_with!(shutdown, TaskGroup::<io::Error>::new() as connections => {
        loop {
            let (socket, _) = listener.accept().await?;
            next += 1;
            let served = Served { id: next, ended: ended.clone() };
            connections.spawn(serve(socket, served, opened.clone()));
        }
    });
    drop(clients.await.unwrap());
    let mut ended = ended.lock().unwrap().clone();
    ended.sort();
    assert_eq!(
        ended,
        [
            "connection 1 ended: ok",
            "connection 2 ended: cancelled",
            "connection 3 ended: cancelled",
        ]
    );
    Ok(())
}
