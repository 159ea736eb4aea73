//! A TCP client connection as an async context: exit sends a closing line — `BYE` after a
//! completed block, `ABORT <reason>` after a failed one — and shuts down the write half.

use async_with::{Outcome, async_context};
use std::io;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A line-based client connection.
pub struct Client {
    stream: TcpStream,
}

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> io::Result<Client> {
        Ok(Client {
            stream: TcpStream::connect(addr).await?,
        })
    }

    pub async fn send(&mut self, line: &str) -> io::Result<()> {
        self.stream.write_all(line.as_bytes()).await?;
        self.stream.write_all(b"\n").await
    }
}

#[async_context]
impl Client {
    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let last = if outcome.is_ok() {
            "BYE".to_string()
        } else {
            format!("ABORT {outcome}")
        };
        self.send(&last).await?;
        self.stream.shutdown().await
    }
}
