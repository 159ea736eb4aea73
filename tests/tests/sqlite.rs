//! SPEC §5.4: a transaction on a real SQLite file commits on success and rolls back on
//! `?`, `return Err`, a panic and cancellation — checked by reading the table afterwards.

use async_with::async_with;
use async_with_tests::sqlite::{self, DbError, Transaction};
use std::time::Duration;
use tokio_rusqlite::Connection;

async fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = sqlite::open(&dir.path().join("test.sqlite")).await.unwrap();
    (dir, conn)
}

const INSERT: &str = "INSERT INTO entries (value) VALUES (?1)";

#[derive(Debug)]
struct Refused;
impl From<DbError> for Refused {
    fn from(_: DbError) -> Self {
        Refused
    }
}

#[tokio::test]
async fn a_completed_block_commits() -> Result<(), DbError> {
    let (_dir, conn) = database().await;
    async_with!(Transaction::new(&conn) as tx => {
        tx.execute(INSERT, 1).await?;
        tx.execute(INSERT, 2).await?;
    });
    assert_eq!(sqlite::values(&conn).await?, [1, 2]);
    Ok(())
}

#[tokio::test]
async fn a_failed_question_mark_rolls_back() {
    async fn run(conn: &Connection) -> Result<(), Refused> {
        async_with!(Transaction::new(conn) as tx => {
            tx.execute(INSERT, 1).await?;
            Err(Refused)?;
            tx.execute(INSERT, 2).await?;
        });
        Ok(())
    }
    let (_dir, conn) = database().await;
    assert!(run(&conn).await.is_err());
    assert_eq!(sqlite::values(&conn).await.unwrap(), Vec::<i64>::new());
}

#[tokio::test]
async fn return_err_rolls_back_and_return_ok_commits() {
    async fn run(conn: &Connection, ok: bool) -> Result<&'static str, Refused> {
        async_with!(Transaction::new(conn) as tx => {
            tx.execute(INSERT, if ok { 10 } else { 20 }).await?;
            if ok { return Ok("returned"); }
            return Err(Refused);
        });
        Ok("not reached")
    }
    let (_dir, conn) = database().await;
    assert_eq!(run(&conn, true).await.unwrap(), "returned");
    assert!(run(&conn, false).await.is_err());
    assert_eq!(sqlite::values(&conn).await.unwrap(), [10]);
}

#[tokio::test]
async fn a_panic_rolls_back() {
    let (_dir, conn) = database().await;
    let conn = std::sync::Arc::new(conn);
    let task_conn = conn.clone();
    let joined = tokio::spawn(async move {
        async_with!(Transaction::new(&task_conn) as tx => {
            tx.execute(INSERT, 1).await?;
            panic!("mid-transaction");
        });
        Ok::<(), DbError>(())
    })
    .await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(sqlite::values(&conn).await.unwrap(), Vec::<i64>::new());
}

#[tokio::test]
async fn a_cancelled_block_rolls_back_and_the_connection_stays_usable() -> Result<(), DbError> {
    let (_dir, conn) = database().await;
    let slow = async {
        async_with!(Transaction::new(&conn) as tx => {
            tx.execute(INSERT, 1).await?;
            tokio::time::sleep(Duration::from_secs(60)).await;
        });
        Ok::<(), DbError>(())
    };
    assert!(
        tokio::time::timeout(Duration::from_millis(50), slow)
            .await
            .is_err()
    );
    assert_eq!(sqlite::values(&conn).await?, Vec::<i64>::new());
    // The rollback ended the transaction: a new one begins and commits.
    async_with!(Transaction::new(&conn) as tx => { tx.execute(INSERT, 2).await?; });
    assert_eq!(sqlite::values(&conn).await?, [2]);
    Ok(())
}

#[tokio::test]
async fn committed_data_survives_reopening_the_file() -> Result<(), DbError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.sqlite");
    {
        let conn = sqlite::open(&path).await?;
        async_with!(Transaction::new(&conn) as tx => { tx.execute(INSERT, 7).await?; });
        conn.close().await.map_err(|e| match e {
            tokio_rusqlite::Error::Close((_, e)) => tokio_rusqlite::Error::Error(e),
            other => other,
        })?;
    }
    let conn = sqlite::open(&path).await?;
    assert_eq!(sqlite::values(&conn).await?, [7]);
    Ok(())
}

#[tokio::test]
async fn a_body_ending_in_err_rolls_back_and_the_block_gives_the_err() {
    async fn run(conn: &Connection) -> Result<Result<(), Refused>, Refused> {
        let verdict = async_with!(Transaction::new(conn) as tx => {
            tx.execute(INSERT, 1).await?;
            Err(Refused) // no `?`: the block's value, and a failure
        });
        Ok(verdict)
    }
    let (_dir, conn) = database().await;
    assert!(matches!(run(&conn).await, Ok(Err(Refused))));
    assert_eq!(sqlite::values(&conn).await.unwrap(), Vec::<i64>::new());
}
