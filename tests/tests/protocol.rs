//! SPEC §2: the protocol's shapes — `&mut C`, `Option<C>`, contexts with lifetimes,
//! generic code, infallible contexts, `Send` futures, any executor, and what `Outcome`
//! shows of each kind of failure.

use async_with::{AsyncContext, Exit, Outcome, async_context, async_with};
use async_with_tests::{Log, TestError, describe};
use std::cell::Cell;
use std::sync::{Arc, Mutex};

/// Records what exit saw: `describe`, `error()`, `Display` and `Debug`.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<String>>>);

struct Watch(Seen);

#[async_context]
impl Watch {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        let error = outcome.error().map(|e| e.to_string());
        (self.0).0.lock().unwrap().push(format!(
            "{} | error={error:?} | display={outcome} | debug={outcome:?}",
            describe(&outcome)
        ));
    }
}

impl Seen {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[test]
fn outcome_is_send_sync_and_copy_so_exit_futures_stay_send() {
    fn assert_traits<T: Send + Sync + Copy>() {}
    assert_traits::<Outcome<'static>>();
    assert_traits::<async_with::Exit>();
}

#[test]
fn the_core_runs_on_any_executor() {
    let log = Log::new();
    let value = futures::executor::block_on(async {
        async_with!(log.context("a").into_infallible() as t => { t.name.len() })
    });
    assert_eq!(value, 1);
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_is_send_when_its_parts_are() {
    let log = Log::new();
    let task_log = log.clone();
    let handle = tokio::spawn(async move {
        async_with!(task_log.context("a") as token => {
            tokio::task::yield_now().await;
            token.name.clone()
        });
        Ok::<_, TestError>(())
    });
    handle.await.unwrap().unwrap();
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
}

#[tokio::test]
async fn an_infallible_context_puts_no_demand_on_the_return_type() {
    async fn plain(log: &Log) -> u32 {
        async_with!(log.context("a").into_infallible() => { 3 })
    }
    async fn unit(log: &Log) {
        async_with!(log.context("b").into_infallible(), log.context("c").into_infallible() => {});
    }
    let log = Log::new();
    assert_eq!(plain(&log).await, 3);
    unit(&log).await;
    assert_eq!(log.events().len(), 9);
}

#[tokio::test]
async fn a_mut_reference_reuses_one_context_and_option_is_a_null_context() {
    let log = Log::new();
    let mut ctx = log.context("r").into_infallible();
    for _ in 0..2 {
        async_with!(&mut ctx => {});
    }
    let none: Option<async_with_tests::Infallible> = None;
    let seen = async_with!(none as v => { v.is_none() });
    assert!(seen);
    async_with!(Some(&mut ctx) as v => { assert!(v.is_some()); });
    let exits = log
        .events()
        .iter()
        .filter(|e| e.starts_with("exit r"))
        .count();
    assert_eq!(exits, 3);
}

struct Db {
    committed: Vec<String>,
}

/// A context with a lifetime of its own that binds `&mut Self`.
struct Transaction<'db> {
    db: &'db mut Db,
    pending: Vec<String>,
}

#[async_context]
impl<'db> Transaction<'db> {
    async fn exit(&mut self, outcome: Outcome<'_>) {
        if outcome.is_ok() {
            self.db.committed.append(&mut self.pending);
        }
    }
}

impl Transaction<'_> {
    fn execute(&mut self, sql: &str) {
        self.pending.push(sql.to_string());
    }
}

#[tokio::test]
async fn a_context_with_a_lifetime_binds_mut_self() {
    async fn run(db: &mut Db, fail: bool) -> Result<(), TestError> {
        async_with!(Transaction { db, pending: vec![] } as tx => {
            tx.execute("insert 1");
            if fail {
                Err(TestError("rollback".into()))?;
            }
            tx.execute("insert 2");
        });
        Ok(())
    }
    let mut db = Db { committed: vec![] };
    run(&mut db, false).await.unwrap();
    assert!(run(&mut db, true).await.is_err());
    assert_eq!(db.committed, ["insert 1", "insert 2"]);
}

#[tokio::test]
async fn generic_code_over_any_context() {
    async fn twice<C: AsyncContext>(mut ctx: C) -> Result<u32, C::Error> {
        let mut n = 0;
        for _ in 0..2 {
            async_with!(&mut ctx => { n += 1; });
        }
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(twice(log.context("g")).await, Ok(2));
    assert_eq!(log.exits().len(), 2);
}

#[tokio::test]
async fn async_blocks_whose_return_type_is_inferred_later_work() {
    let log = Log::new();
    let block = async {
        async_with!(log.context("a") => {
            if log.events().len() > 100 { return Ok(0); }
            Err(TestError("late".into()))?;
        });
        Ok::<u32, TestError>(1)
    };
    assert_eq!(block.await, Err(TestError("late".into())));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: err(late)"]);
}

#[tokio::test]
async fn outcome_shows_each_kind_of_failure_as_far_as_its_type_allows() {
    #[derive(Debug)]
    struct DebugOnly(#[allow(dead_code)] u8);
    struct Opaque;
    #[derive(Debug)]
    struct NotSync(#[allow(dead_code)] Cell<u8>);
    #[derive(Debug)]
    struct Borrowed<'a>(&'a str);
    impl std::fmt::Display for Borrowed<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Borrowed<'_> {}

    let seen = Seen::default();
    async fn fails<E>(seen: &Seen, e: E) -> Result<(), E> {
        async_with!(Watch(seen.clone()) => { Err(e)?; });
        Ok(())
    }
    let _ = fails(&seen, TestError("plain".into())).await;
    let _ = fails(&seen, DebugOnly(1)).await;
    let _ = fails(&seen, Opaque).await;
    let _ = fails(&seen, NotSync(Cell::new(2))).await;
    let text = String::from("borrowed");
    let _ = fails(&seen, Borrowed(&text)).await;
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(TestError("boxed".into()));
    let _ = fails(&seen, boxed).await;
    // Inside a generic fn, what is seen follows the bounds it declares (none here).
    assert_eq!(
        seen.take(),
        [
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
        ]
    );

    // With concrete types, each shows as far as its type allows.
    let w = || Watch(seen.clone());
    let _ = async {
        async_with!(w() => { Err(TestError("plain".into()))?; });
        Ok::<_, TestError>(())
    }
    .await;
    let _ = async {
        async_with!(w() => { Err(DebugOnly(1))?; });
        Ok::<_, DebugOnly>(())
    }
    .await;
    let _ = async {
        async_with!(w() => { Err(Opaque)?; });
        Ok::<_, Opaque>(())
    }
    .await;
    let _ = async {
        async_with!(w() => { Err(NotSync(Cell::new(2)))?; });
        Ok::<_, NotSync>(())
    }
    .await;
    let _ = async {
        async_with!(w() => { Err(Box::<dyn std::error::Error + Send + Sync>::from("boxed"))?; });
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    let _ = async {
        async_with!(w() => { None::<u8>?; });
        Some(())
    }
    .await;
    assert_eq!(
        seen.take(),
        [
            r#"err(plain) | error=Some("plain") | display=plain | debug=Failed(TestError("plain"))"#,
            "err(DebugOnly(1)) | error=None | display=DebugOnly(1) | debug=Failed(DebugOnly(1))",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            "err(<opaque failure>) | error=None | display=<opaque failure> | debug=Failed(<opaque failure>)",
            r#"err(boxed) | error=Some("boxed") | display=boxed | debug=Failed("boxed")"#,
            "err(`None`) | error=None | display=`None` | debug=Failed(None)",
        ]
    );
}

#[tokio::test]
async fn downcast_sees_static_errors_also_inside_a_box() {
    struct Check(Arc<Mutex<Vec<bool>>>);
    #[async_context]
    impl Check {
        async fn exit(&mut self, outcome: Outcome<'_>) -> Exit {
            self.0
                .lock()
                .unwrap()
                .push(outcome.downcast_ref::<TestError>().is_some());
            Exit::Propagate
        }
    }
    let found = Arc::new(Mutex::new(Vec::new()));
    let _ = async {
        async_with!(Check(found.clone()) => { Err(TestError("direct".into()))?; });
        Ok::<_, TestError>(())
    }
    .await;
    let _ = async {
        async_with!(Check(found.clone()) => {
            Err(Box::<dyn std::error::Error + Send + Sync>::from(TestError("boxed".into())))?;
        });
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    }
    .await;
    let _ = async {
        async_with!(Check(found.clone()) => { Err(std::fmt::Error)?; });
        Ok::<_, std::fmt::Error>(())
    }
    .await;
    assert_eq!(*found.lock().unwrap(), [true, true, false]);
}
