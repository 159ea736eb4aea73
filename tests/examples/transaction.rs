//! A bank ledger in a real SQLite file, through sqlx: each transfer runs in a transaction
//! (the recipe in `tests/src/sqlite.rs`) that exit commits when the block completes and
//! rolls back when it fails, runs out of time, or is cancelled. Prints what was committed
//! and what was rolled back.
//!
//! Run with `cargo run -p async-with-tests --example transaction`.

use async_with::{Elapsed, async_with, timeout};
use async_with_tests::sqlite::{self, DbError, Transaction, insert};
use sqlx::SqlitePool;
use std::time::Duration;

#[derive(Debug)]
enum TransferError {
    Db(DbError),
    Overdrawn(i64),
    TimedOut,
}

impl From<DbError> for TransferError {
    fn from(e: DbError) -> Self {
        TransferError::Db(e)
    }
}

impl From<Elapsed> for TransferError {
    fn from(_: Elapsed) -> Self {
        TransferError::TimedOut
    }
}

impl std::fmt::Display for TransferError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransferError::Db(e) => write!(f, "database: {e}"),
            TransferError::Overdrawn(by) => write!(f, "overdrawn by {by}"),
            TransferError::TimedOut => write!(f, "timed out"),
        }
    }
}

impl std::error::Error for TransferError {}

/// Records a debit and a credit; refuses (with `?`) a debit larger than `limit`. The
/// whole transfer has `deadline`; when it runs out, the body is cut short and the
/// transaction's exit rolls back (awaited, like any exit) before the error leaves.
async fn transfer(
    pool: &SqlitePool,
    amount: i64,
    limit: i64,
    deadline: Duration,
) -> Result<(), TransferError> {
    async_with!(timeout(deadline), Transaction::new(pool) as tx => {
        insert(tx, -amount).await?;
        if amount > limit {
            Err(TransferError::Overdrawn(amount - limit))?; // exit rolls the debit back
        }
        if amount == 404 {
            tokio::time::sleep(Duration::from_secs(60)).await; // a stuck transfer
        }
        insert(tx, amount).await?;
    });
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ledger.sqlite");
    let conn = sqlite::open(&path).await?;
    println!("ledger: {}", path.display());

    let deadline = Duration::from_millis(200);
    for (amount, limit) in [(30, 100), (500, 100), (404, 1000), (70, 100)] {
        match transfer(&conn, amount, limit, deadline).await {
            Ok(()) => println!("transfer of {amount}: committed"),
            Err(e) => println!("transfer of {amount}: rolled back ({e})"),
        }
    }

    // A transfer that takes too long is cancelled; its transaction is rolled back.
    let slow = async {
        async_with!(Transaction::new(&conn) as tx => {
            insert(tx, -999).await?;
            tokio::time::sleep(Duration::from_secs(60)).await;
        });
        Ok::<(), DbError>(())
    };
    if tokio::time::timeout(Duration::from_millis(100), slow)
        .await
        .is_err()
    {
        println!("transfer of 999: cancelled after 100 ms, rolled back");
    }

    let rows = sqlite::values(&conn).await?;
    println!("committed rows: {rows:?}");
    assert_eq!(rows, [-30, 30, -70, 70]);
    Ok(())
}
