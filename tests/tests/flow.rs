//! S1, S4–S6, S11, S14–S16: the body keeps Rust's control flow, and exit runs first.

use async_with::async_with;
use async_with_tests::{Log, TestError, fail};

type Result<T> = std::result::Result<T, TestError>;

#[tokio::test]
async fn s1_normal_run_enters_binds_runs_exits_and_gives_the_body_value() -> Result<()> {
    let log = Log::new();
    let mut evaluated = 0;
    let value = async_with!({ evaluated += 1; log.context("a") } as token => {
        log.push(format!("body sees {}", token.name));
        40 + 2
    });
    assert_eq!(value, 42);
    assert_eq!(evaluated, 1);
    assert_eq!(
        log.events(),
        ["enter a", "body sees a", "drop a", "exit a: ok"]
    );
    Ok(())
}

#[tokio::test]
async fn s4_return_runs_exit_then_returns_with_ok_or_failed_outcome() {
    async fn run(log: &Log, early: Option<Result<u32>>) -> Result<u32> {
        async_with!(log.context("a") => {
            if let Some(v) = early {
                log.push("return");
                return v;
            }
            log.push("end");
        });
        Ok(0)
    }
    let log = Log::new();
    assert_eq!(run(&log, Some(Ok(7))).await, Ok(7));
    assert_eq!(log.events(), ["enter a", "return", "drop a", "exit a: ok"]);

    let log = Log::new();
    let err = Err(TestError("no".into()));
    assert_eq!(run(&log, Some(err.clone())).await, err);
    assert_eq!(
        log.events(),
        ["enter a", "return", "drop a", "exit a: err(no)"]
    );
}

#[tokio::test]
async fn s4_return_keeps_the_coercions_of_a_plain_return() {
    // `&String` on purpose: `return Ok(owned)` must coerce it to `&str`.
    #[allow(clippy::ptr_arg)]
    async fn name<'a>(log: &Log, owned: &'a String) -> Result<&'a str> {
        async_with!(log.context("a") => {
            return Ok(owned);
        });
        // A body that leaves on every path still needs a tail after it (a known limit).
        unreachable!("the body returned")
    }
    async fn boxed(log: &Log) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        async_with!(log.context("a") => {
            fail("boxed")?;
        });
        Ok(())
    }
    let log = Log::new();
    let owned = String::from("coerced");
    assert_eq!(name(&log, &owned).await, Ok("coerced"));
    assert_eq!(boxed(&log).await.unwrap_err().to_string(), "boxed");
    assert_eq!(
        log.events()[3..],
        ["enter a", "drop a", "exit a: err(boxed)"]
    );
}

#[tokio::test]
async fn s5_break_and_continue_leave_through_exit() -> Result<()> {
    let log = Log::new();
    let mut seen = Vec::new();
    'outer: for i in 0..5 {
        for _ in 0..1 {
            async_with!(log.context(&i.to_string()) => {
                if i == 1 { continue 'outer; }
                if i == 2 { continue; }
                if i == 3 { break 'outer; }
                seen.push(i);
                log.push(format!("end {i}"));
            });
        }
    }
    assert_eq!(seen, [0]);
    let exits = log.exits();
    assert_eq!(
        exits,
        ["exit 0: ok", "exit 1: ok", "exit 2: ok", "exit 3: ok"]
    );
    Ok(())
}

#[tokio::test]
async fn s5_loops_closures_and_async_blocks_in_the_body_keep_their_own_flow() -> Result<()> {
    let log = Log::new();
    let mut total = 0;
    for _ in 0..2 {
        let got = async_with!(log.context("a") => {
            let mut n = 0;
            'inner: loop {
                n += 1;
                if n < 3 { continue 'inner; }
                break;
            }
            while n < 10 { n += 1; if n == 5 { break; } }
            let f = |x: u32| -> Option<u32> { let y = x.checked_sub(1)?; Some(y) };
            let g = async { if n > 100 { return 0; } n };
            let v: u32 = 'blk: { if n == 5 { break 'blk 5; } 0 };
            fn helper() -> std::result::Result<u8, ()> { Err(())?; Ok(1) }
            assert!(helper().is_err());
            f(0).unwrap_or(v) + g.await
        });
        total += got;
    }
    assert_eq!(total, 20);
    assert_eq!(log.events().len(), 6);
    Ok(())
}

#[tokio::test]
async fn s6_a_tail_err_is_a_failure_exit_sees_and_the_block_still_gives_it() -> Result<()> {
    let log = Log::new();
    let value: std::result::Result<u8, TestError> =
        async_with!(log.context("a") => { Err(TestError("rejected".into())) });
    assert_eq!(value, Err(TestError("rejected".into())));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: err(rejected)"]);

    // From a fn call: the probe looks at the type, not the syntax.
    let log = Log::new();
    let value = async_with!(log.context("a") => { fail("from a call") });
    assert!(value.is_err());
    assert_eq!(
        log.events(),
        ["enter a", "drop a", "exit a: err(from a call)"]
    );

    // An `Ok` tail is a value, and so is any other type.
    let log = Log::new();
    let value = async_with!(log.context("a") => { "7".parse::<u8>() });
    assert_eq!(value, Ok(7));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
    Ok(())
}

#[tokio::test]
async fn s6_a_tail_err_is_a_failure_for_every_context_of_the_block() -> Result<()> {
    let log = Log::new();
    let value: std::result::Result<u8, TestError> =
        async_with!(log.context("a"), log.context("b") => { Err(TestError("rejected".into())) });
    assert_eq!(value, Err(TestError("rejected".into())));
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(rejected)",
            "drop a",
            "exit a: err(rejected)"
        ]
    );

    // Three contexts, the tail from a call; an `Ok` tail is ok for all of them.
    let log = Log::new();
    let value = async_with!(log.context("a"), log.context("b"), log.context("c") => { fail("no") });
    assert!(value.is_err());
    let exits = log.exits();
    assert_eq!(
        exits,
        ["exit c: err(no)", "exit b: err(no)", "exit a: err(no)"]
    );
    let log = Log::new();
    let value = async_with!(log.context("a"), log.context("b") => { "7".parse::<u8>() });
    assert_eq!(value, Ok(7));
    let exits = log.exits();
    assert_eq!(exits, ["exit b: ok", "exit a: ok"]);
    Ok(())
}

#[tokio::test]
async fn s6_s10_when_the_inner_exit_fails_on_a_tail_err_the_outer_context_sees_that_error() {
    async fn run(log: &Log) -> Result<std::result::Result<u8, TestError>> {
        Ok(
            async_with!(log.context("a"), log.context("b").failing_exit() => {
                Err(TestError("rejected".into()))
            }),
        )
    }
    let log = Log::new();
    assert_eq!(run(&log).await, Err(TestError("b exit failed".into())));
    let exits = log.exits();
    assert_eq!(
        exits,
        ["exit b: err(rejected)", "exit a: err(b exit failed)"]
    );
}

#[tokio::test]
async fn s6_a_braced_macro_tail_whose_value_is_err_is_a_failure() -> Result<()> {
    let log = Log::new();
    let value: std::result::Result<u8, TestError> = async_with!(log.context("a"), log.context("b") => {
        tokio::select! {
            v = async { Err(TestError("lost".into())) } => v,
            _ = std::future::pending::<()>() => Ok(0),
        }
    });
    assert_eq!(value, Err(TestError("lost".into())));
    let exits = log.exits();
    assert_eq!(exits, ["exit b: err(lost)", "exit a: err(lost)"]);

    let log = Log::new();
    let value: std::result::Result<u8, TestError> = async_with!(log.context("a") => {
        tokio::select! {
            v = async { Ok(3) } => v,
            _ = std::future::pending::<()>() => Ok(0),
        }
    });
    assert_eq!(value, Ok(3));
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
    Ok(())
}

#[tokio::test]
async fn s6_a_tail_none_is_a_value_not_a_failure() -> Result<()> {
    let log = Log::new();
    let found: Option<u8> =
        async_with!(log.context("a") => { [1u8, 2].iter().copied().find(|&n| n > 5) });
    assert_eq!(found, None);
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
    Ok(())
}

#[tokio::test]
async fn s11_nested_blocks_in_loops_matches_and_other_macros_compose() -> Result<()> {
    async fn run(log: &Log, stop_at: u32) -> Result<u32> {
        let mut n = 0;
        'outer: for i in 0..3 {
            match i {
                0 => async_with!(log.context("m") => {
                    async_with!(log.context("n") => {
                        n += 1;
                        continue 'outer;
                    });
                }),
                _ => async_with!(log.context("x") => {
                    async_with!(log.context("y") => {
                        if i == stop_at { fail("stop")?; }
                        if i == 2 { break 'outer; }
                        n += 10;
                    })
                }),
            }
        }
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log, 9).await, Ok(11));
    let exits = log.exits();
    assert_eq!(
        exits,
        [
            "exit n: ok",
            "exit m: ok",
            "exit y: ok",
            "exit x: ok",
            "exit y: ok",
            "exit x: ok"
        ]
    );

    let log = Log::new();
    assert_eq!(run(&log, 1).await, Err(TestError("stop".into())));
    let exits = log.exits();
    assert_eq!(
        exits,
        [
            "exit n: ok",
            "exit m: ok",
            "exit y: err(stop)",
            "exit x: err(stop)"
        ]
    );
    Ok(())
}

#[tokio::test]
async fn s14_the_value_lives_until_the_body_ends_with_no_pattern_or_underscore() -> Result<()> {
    let log = Log::new();
    async_with!(log.context("none") => { log.push("body none"); });
    async_with!(log.context("under") as _ => { log.push("body under"); });
    async_with!(log.context("part") as async_with_tests::Token { .. } => { log.push("body part"); });
    assert_eq!(
        log.events(),
        [
            "enter none",
            "body none",
            "drop none",
            "exit none: ok",
            "enter under",
            "body under",
            "drop under",
            "exit under: ok",
            "enter part",
            "body part",
            "drop part",
            "exit part: ok",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn s15_any_irrefutable_pattern_binds() -> Result<()> {
    let log = Log::new();
    let pair = async_with!(log.context("a") as mut t => {
        t.name.push('!');
        t.name.clone()
    });
    assert_eq!(pair, "a!");
    let (x, y) = async_with!(Some(log.context("b")).map(|c| (c, 5)).unwrap().0 as async_with_tests::Token { ref name, .. } => {
        (name.clone(), name.len())
    });
    assert_eq!((x.as_str(), y), ("b", 1));
    Ok(())
}

#[tokio::test]
async fn s16_question_mark_inside_std_macros_runs_exit() {
    async fn run(log: &Log, which: u8) -> Result<Vec<u32>> {
        let v = async_with!(log.context("a") => {
            let ok = || -> Result<u32> { Ok(1) };
            let pick = |n: u8| if n == which { fail("inside macro") } else { ok() };
            println!("{}", pick(0)?);
            assert_eq!(pick(1)?, 1);
            print!("{}", pick(2)?);
            let s = format!("{x}", x = pick(3)?);
            assert!(matches!(pick(4)?, 1));
            let mut out = String::new();
            std::fmt::Write::write_fmt(&mut out, format_args!("{}", s)).unwrap();
            vec![pick(5)?, out.len() as u32]
        });
        Ok(v)
    }
    for which in 0..6 {
        let log = Log::new();
        assert_eq!(
            run(&log, which).await,
            Err(TestError("inside macro".into())),
            "macro {which}"
        );
        assert_eq!(
            log.events(),
            ["enter a", "drop a", "exit a: err(inside macro)"]
        );
    }
    let log = Log::new();
    assert_eq!(run(&log, 9).await, Ok(vec![1, 1]));
}

#[tokio::test]
async fn s11_blocks_compose_inside_other_macros_blocks() -> Result<()> {
    let log = Log::new();
    let mutex = tokio::sync::Mutex::new(0);
    // A block inside another macro's block, with an infallible context inside the body
    // of a `select!` arm that is itself inside a block.
    async_with!(log.context("outer") => {
        tokio::select! {
            _ = tokio::task::yield_now() => {
                async_with!(&mutex as mut n => { *n += 1; });
            }
        }
    });
    let seen = tokio::select! {
        v = async { Ok::<_, TestError>(async_with!(log.context("arm") as t => { t.name.clone() })) } => v?,
    };
    assert_eq!(seen, "arm");
    assert_eq!(*mutex.lock().await, 1);
    let exits = log.exits();
    assert_eq!(exits, ["exit outer: ok", "exit arm: ok"]);
    Ok(())
}

#[tokio::test]
async fn s4_return_in_let_else_and_as_the_tail_runs_exit_first() {
    async fn let_else(log: &Log, x: Option<u32>) -> Result<u32> {
        let v = async_with!(log.context("a") => {
            let Some(x) = x else { return Err(TestError("none".into())); };
            x
        });
        Ok(v)
    }
    async fn tail_return(log: &Log) -> Result<u32> {
        async_with!(log.context("b") => {
            log.push("body");
            return Ok(9)
        });
        unreachable!("the body returned")
    }
    let log = Log::new();
    assert_eq!(let_else(&log, Some(3)).await, Ok(3));
    assert_eq!(let_else(&log, None).await, Err(TestError("none".into())));
    assert_eq!(tail_return(&log).await, Ok(9));
    let exits = log.exits();
    assert_eq!(exits, ["exit a: ok", "exit a: err(none)", "exit b: ok"]);
}

#[tokio::test]
async fn s5_flow_inside_while_let_and_labelled_blocks_in_the_body_stays_inside() -> Result<()> {
    let log = Log::new();
    let total = async_with!(log.context("a") => {
        let mut items = vec![Some(4), None, Some(2), Some(1)];
        let mut sum = 0;
        while let Some(item) = items.pop() {
            let Some(n) = item else { continue };
            if n == 4 { break; }
            sum += n;
        }
        let bonus = 'calc: {
            if sum > 2 { break 'calc 10; }
            0
        };
        let parse = |s: &str| -> std::result::Result<u32, std::num::ParseIntError> { Ok(s.parse::<u32>()? + 1) };
        sum + bonus + parse("1").unwrap_or(0)
    });
    assert_eq!(total, 15);
    assert_eq!(log.events(), ["enter a", "drop a", "exit a: ok"]);
    Ok(())
}

#[tokio::test]
async fn s4_return_works_with_impl_trait_and_generic_return_types() {
    async fn shown(log: &Log, early: bool) -> impl std::fmt::Display {
        async_with!(log.context("a").into_infallible() => {
            if early { return 5; }
        });
        6
    }
    async fn generic<E: From<TestError>>(log: &Log) -> std::result::Result<u8, E> {
        async_with!(log.context("b") => {
            fail("generic")?;
        });
        Ok(1)
    }
    let log = Log::new();
    assert_eq!(shown(&log, true).await.to_string(), "5");
    assert_eq!(shown(&log, false).await.to_string(), "6");
    assert_eq!(
        generic::<TestError>(&log).await,
        Err(TestError("generic".into()))
    );
    let exits = log.exits();
    assert_eq!(exits, ["exit a: ok", "exit a: ok", "exit b: err(generic)"]);
}
