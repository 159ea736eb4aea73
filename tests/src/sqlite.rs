//! The sqlx recipe: a SQLite transaction as an async context. Enter begins it; exit
//! commits when the block completed and rolls back when it failed, panicked or was cut by
//! a scope; a cancelled block (its future dropped) rolls back too.
//!
//! `sqlx::Transaction`'s `commit` and `rollback` take it by value, and exit has only
//! `&mut self`: the context holds it in an `Option` and exit `take()`s it.

use async_with::{Outcome, async_context};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{Sqlite, SqlitePool};

/// The errors of the database and of the transaction context.
pub type DbError = sqlx::Error;

/// An open sqlx transaction on a SQLite pool: what the block binds.
pub type Tx = sqlx::Transaction<'static, Sqlite>;

/// A transaction on `pool`, used as `async_with!(Transaction::new(&pool) as tx => { .. })`;
/// `tx` is the `sqlx::Transaction`, so queries run with `.execute(&mut **tx)`.
pub struct Transaction<'p> {
    pool: &'p SqlitePool,
    tx: Option<Tx>,
}

impl<'p> Transaction<'p> {
    pub fn new(pool: &'p SqlitePool) -> Self {
        Transaction { pool, tx: None }
    }
}

#[async_context]
impl Transaction<'_> {
    async fn enter(&mut self) -> Result<&mut Tx, DbError> {
        Ok(self.tx.insert(self.pool.begin().await?))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> {
        match self.tx.take() {
            Some(tx) if outcome.is_ok() => tx.commit().await,
            Some(tx) => tx.rollback().await,
            None => Ok(()),
        }
    }

    /// The block's future was dropped: nothing can be awaited here. Dropping an open
    /// `sqlx::Transaction` queues its rollback on the connection, which runs it before the
    /// connection is used again.
    fn cancel(&mut self) {
        drop(self.tx.take());
    }
}

/// Inserts `value` into `entries` within the transaction.
pub async fn insert(tx: &mut Tx, value: i64) -> Result<(), DbError> {
    sqlx::query("INSERT INTO entries (value) VALUES (?1)")
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An in-memory database with an `entries(value)` table. One connection, so every query
/// sees the same database (each SQLite connection to `:memory:` has its own).
pub async fn memory() -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::new().in_memory(true);
    create(options).await
}

/// Opens (or creates) the database file at `path` with an `entries(value)` table.
pub async fn open(path: &std::path::Path) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    create(options).await
}

async fn create(options: SqliteConnectOptions) -> Result<SqlitePool, DbError> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS entries (value INTEGER NOT NULL)")
        .execute(&pool)
        .await?;
    Ok(pool)
}

/// The values in the table, in insertion order.
pub async fn values(pool: &SqlitePool) -> Result<Vec<i64>, DbError> {
    sqlx::query_scalar("SELECT value FROM entries ORDER BY rowid")
        .fetch_all(pool)
        .await
}
