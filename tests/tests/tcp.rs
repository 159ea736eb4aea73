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
