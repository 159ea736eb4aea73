//! Writes a file atomically: the new content lands only if the block succeeds.
//!
//! `AtomicFile`'s enter creates a temporary file next to the target; the block writes to
//! it; exit renames it over the target when the block succeeded, and deletes it when the
//! block failed (`?`), panicked, or was cancelled. The target never holds half a write.
//!
//! Run with `cargo run -p async-with-tests --example atomic_write`.

use async_with::{Outcome, async_context, async_with};
use std::io;
use std::path::{Path, PathBuf};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

/// A file written through a temporary file, committed by exit.
struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    fn new(target: &Path) -> Self {
        AtomicFile {
            target: target.to_path_buf(),
            temp: target.with_extension("partial"),
            file: None,
        }
    }
}

#[async_context]
impl AtomicFile {
    async fn enter(&mut self) -> io::Result<&mut File> {
        let file = File::create(&self.temp).await?;
        Ok(self.file.insert(file))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let file = self.file.take();
        if outcome.is_ok() {
            if let Some(file) = file {
                file.sync_all().await?;
            }
            fs::rename(&self.temp, &self.target).await?;
            println!("  exit: committed {}", self.target.display());
        } else {
            drop(file);
            fs::remove_file(&self.temp).await?;
            println!("  exit: rolled back ({outcome})");
        }
        Ok(())
    }

    /// The block's future was dropped: nothing can be awaited, so clean up synchronously.
    fn cancel(&mut self) {
        let _ = std::fs::remove_file(&self.temp);
        println!("  cancel: removed the partial file");
    }
}

#[derive(Debug)]
struct InvalidSetting(String);

impl std::fmt::Display for InvalidSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid setting `{}`", self.0)
    }
}

impl std::error::Error for InvalidSetting {}

fn validate(line: &str) -> Result<&str, InvalidSetting> {
    if line.contains('=') {
        Ok(line)
    } else {
        Err(InvalidSetting(line.to_string()))
    }
}

/// Writes `lines` to `path`, all or nothing.
async fn save(path: &Path, lines: &[&str]) -> Result<usize, Box<dyn std::error::Error>> {
    let written = async_with!(AtomicFile::new(path) as file => {
        let mut bytes = 0;
        for line in lines {
            let line = validate(line)?; // a failure here leaves the old file untouched
            file.write_all(line.as_bytes()).await?;
            file.write_all(b"\n").await?;
            bytes += line.len() + 1;
        }
        bytes
    });
    Ok(written)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("async-with-example-{}", std::process::id()));
    fs::create_dir_all(&dir).await?;
    let path = dir.join("settings.conf");

    println!("saving a valid configuration:");
    let bytes = save(&path, &["port=8080", "host=localhost"]).await?;
    println!("  wrote {bytes} bytes");

    println!("saving a configuration with a mistake on its second line:");
    match save(&path, &["port=9090", "oops"]).await {
        Ok(_) => println!("  unexpectedly saved"),
        Err(error) => println!("  save failed: {error}"),
    }

    println!("saving, but giving up after 50 ms (the block is cancelled):");
    let slow = async {
        async_with!(AtomicFile::new(&path) as file => {
            file.write_all(b"port=1\n").await?;
            std::future::pending::<()>().await;
        });
        Ok::<(), io::Error>(())
    };
    let timed_out = tokio::time::timeout(std::time::Duration::from_millis(50), slow).await;
    println!("  timed out: {}", timed_out.is_err());

    let content = fs::read_to_string(&path).await?;
    println!("the file still holds the last good write:\n{content}");
    let leftovers = path.with_extension("partial").exists();
    println!("partial file left behind: {leftovers}");
    fs::remove_dir_all(&dir).await?;
    assert_eq!(content, "port=8080\nhost=localhost\n");
    assert!(!leftovers);
    Ok(())
}
