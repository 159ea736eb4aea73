//! SPEC §5.4, with the sqlx recipe (`async_with_tests::sqlite`): a transaction on a real
//! SQLite database commits on success and rolls back on `?`, `return Err`, a tail `Err`, a
//! panic and cancellation — checked by reading the table back afterwards.

use async_with::async_with;
use async_with_tests::sqlite::{self, DbError, Transaction, insert};
use sqlx::SqlitePool;
use std::time::Duration;

async fn database() -> SqlitePool {
    sqlite::memory().await.unwrap()
}

#[derive(Debug)]
struct Refused;
impl From<DbError> for Refused {
    fn from(_: DbError) -> Self {
        Refused
    }
}

#[tokio::test]
async fn a_completed_block_commits() -> Result<(), DbError> {
    let conn = database().await;
    async_with!(Transaction::new(&conn) as tx => {
        insert(tx, 1).await?;
        insert(tx, 2).await?;
    });
    assert_eq!(sqlite::values(&conn).await?, [1, 2]);
    Ok(())
}

#[tokio::test]
async fn a_failed_question_mark_rolls_back() {
    async fn run(conn: &SqlitePool) -> Result<(), Refused> {
        async_with!(Transaction::new(conn) as tx => {
            insert(tx, 1).await?;
            Err(Refused)?;
            insert(tx, 2).await?;
        });
        Ok(())
    }
    let conn = database().await;
    assert!(run(&conn).await.is_err());
    assert_eq!(sqlite::values(&conn).await.unwrap(), Vec::<i64>::new());
}

#[tokio::test]
async fn return_err_rolls_back_and_return_ok_commits() {
    async fn run(conn: &SqlitePool, ok: bool) -> Result<&'static str, Refused> {
        async_with!(Transaction::new(conn) as tx => {
            insert(tx, if ok { 10 } else { 20 }).await?;
            if ok { return Ok("returned"); }
            return Err(Refused);
        });
        Ok("not reached")
    }
    let conn = database().await;
    assert_eq!(run(&conn, true).await.unwrap(), "returned");
    assert!(run(&conn, false).await.is_err());
    assert_eq!(sqlite::values(&conn).await.unwrap(), [10]);
}

#[tokio::test]
async fn a_panic_rolls_back() {
    let conn = database().await;
    let conn = std::sync::Arc::new(conn);
    let task_conn = conn.clone();
    let joined = tokio::spawn(async move {
        async_with!(Transaction::new(&task_conn) as tx => {
            insert(tx, 1).await?;
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
    let conn = database().await;
    let slow = async {
        async_with!(Transaction::new(&conn) as tx => {
            insert(tx, 1).await?;
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
    async_with!(Transaction::new(&conn) as tx => { insert(tx, 2).await?; });
    assert_eq!(sqlite::values(&conn).await?, [2]);
    Ok(())
}

#[tokio::test]
async fn committed_data_survives_reopening_the_file() -> Result<(), DbError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.sqlite");
    {
        let conn = sqlite::open(&path).await?;
        async_with!(Transaction::new(&conn) as tx => { insert(tx, 7).await?; });
        conn.close().await;
    }
    let conn = sqlite::open(&path).await?;
    assert_eq!(sqlite::values(&conn).await?, [7]);
    Ok(())
}

#[tokio::test]
async fn a_body_ending_in_err_rolls_back_and_the_block_gives_the_err() {
    async fn run(conn: &SqlitePool) -> Result<Result<(), Refused>, Refused> {
        let verdict = async_with!(Transaction::new(conn) as tx => {
            insert(tx, 1).await?;
            Err(Refused) // no `?`: the block's value, and a failure
        });
        Ok(verdict)
    }
    let conn = database().await;
    assert!(matches!(run(&conn).await, Ok(Err(Refused))));
    assert_eq!(sqlite::values(&conn).await.unwrap(), Vec::<i64>::new());
}

/// The README's recipe, used as its `transfer` uses it: the block binds the
/// `sqlx::Transaction`, queries run on `&mut **tx`.
#[tokio::test]
async fn the_readme_recipe_binds_the_sqlx_transaction() -> Result<(), DbError> {
    async fn transfer(pool: &SqlitePool, amount: i64) -> Result<(), sqlx::Error> {
        async_with!(Transaction::new(pool) as tx => {
            sqlx::query("INSERT INTO entries (value) VALUES (?)").bind(-amount).execute(&mut **tx).await?;
            if amount > 100 {
                // A statement that fails: exit rolls back the debit above.
                sqlx::query("INSERT INTO no_such_table VALUES (1)").execute(&mut **tx).await?;
            }
            sqlx::query("INSERT INTO entries (value) VALUES (?)").bind(amount).execute(&mut **tx).await?;
        });
        Ok(())
    }
    let pool = database().await;
    transfer(&pool, 30).await?;
    assert!(transfer(&pool, 500).await.is_err());
    assert_eq!(sqlite::values(&pool).await?, [-30, 30]);
    Ok(())
}
