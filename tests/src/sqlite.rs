//! A SQLite transaction as an async context: enter begins, exit commits when the block
//! completed and rolls back when it failed or panicked; a cancelled block rolls back too.

use async_with::{Outcome, async_context};
use std::task::{Context, Waker};
use tokio_rusqlite::{Connection, params};

/// The errors of the database and of the transaction context.
pub type DbError = tokio_rusqlite::Error;

/// A transaction on `conn`, used as `async_with!(Transaction::new(&conn) as tx => { .. })`.
pub struct Transaction<'c> {
    conn: &'c Connection,
}

impl<'c> Transaction<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        Transaction { conn }
    }

    /// Runs one statement in the transaction; returns the number of changed rows.
    pub async fn execute(&self, sql: &str, value: i64) -> Result<usize, DbError> {
        let sql = sql.to_string();
        self.conn
            .call(move |c| c.execute(&sql, params![value]))
            .await
    }

    async fn batch(&self, sql: &'static str) -> Result<(), DbError> {
        self.conn.call(move |c| c.execute_batch(sql)).await
    }
}

#[async_context]
impl<'c> Transaction<'c> {
    async fn enter(&mut self) -> Result<&mut Self, DbError> {
        self.batch("BEGIN").await?;
        Ok(self)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> {
        if outcome.is_ok() {
            self.batch("COMMIT").await
        } else {
            self.batch("ROLLBACK").await
        }
    }

    /// The block's future was dropped: nothing can be awaited here, but the connection
    /// runs its statements in order on its own thread, so queueing a `ROLLBACK` now means
    /// nothing this connection runs later can see — or commit — the abandoned work.
    fn cancel(&mut self) {
        let rollback = self.conn.call(|c| c.execute_batch("ROLLBACK"));
        let mut rollback = std::pin::pin!(rollback);
        // The first poll sends the statement to the connection's thread; its answer is
        // not needed.
        let _ = rollback
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
    }
}

/// Opens (or creates) the database at `path` with an `entries(value)` table.
pub async fn open(path: &std::path::Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path).await?;
    conn.call(|c| c.execute_batch("CREATE TABLE IF NOT EXISTS entries (value INTEGER NOT NULL)"))
        .await?;
    Ok(conn)
}

/// The values in the table, in insertion order.
pub async fn values(conn: &Connection) -> Result<Vec<i64>, DbError> {
    conn.call(|c| {
        let mut statement = c.prepare("SELECT value FROM entries ORDER BY rowid")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        rows.collect()
    })
    .await
}
