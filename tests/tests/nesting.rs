//! S10, S11: several contexts and nested blocks leave through every exit, also where the
//! enclosing function's return type is known only after the body has been checked:
//! `#[tokio::main]`/`#[tokio::test]` bodies and `async {}` blocks.

use async_with::async_with;
use async_with_tests::{Log, TestError};

fn error(message: &str) -> TestError {
    TestError(message.to_string())
}

/// `#[tokio::main]` puts the body in an async block; its type comes from the fn's
/// signature only after the body is checked.
#[tokio::main(flavor = "current_thread")]
async fn two_contexts_in_tokio_main(log: Log, fail: bool) -> Result<u32, TestError> {
    async_with!(log.context("a"), log.context("b") => {
        if fail {
            return Err(error("early"));
        }
        log.push("body");
    });
    Ok(1)
}

#[test]
fn s10_return_inside_two_contexts_in_tokio_main_runs_both_exits_then_returns() {
    let log = Log::new();
    assert_eq!(
        two_contexts_in_tokio_main(log.clone(), true),
        Err(error("early"))
    );
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(early)",
            "drop a",
            "exit a: err(early)"
        ]
    );

    let log = Log::new();
    assert_eq!(two_contexts_in_tokio_main(log.clone(), false), Ok(1));
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "body",
            "drop b",
            "exit b: ok",
            "drop a",
            "exit a: ok"
        ]
    );
}

#[tokio::main(flavor = "current_thread")]
async fn nested_in_tokio_main(log: Log, input: &str) -> Result<u32, TestError> {
    async_with!(log.context("a") => {
        async_with!(log.context("b") => {
            let n: u32 = input.parse().map_err(|_| error("not a number"))?;
            if n == 0 {
                return Ok(0);
            }
            log.push(format!("n = {n}"));
        });
    });
    Ok(2)
}

#[test]
fn s11_return_and_question_mark_in_a_nested_block_in_tokio_main() {
    let log = Log::new();
    assert_eq!(nested_in_tokio_main(log.clone(), "0"), Ok(0));
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: ok",
            "drop a",
            "exit a: ok"
        ]
    );

    let log = Log::new();
    assert_eq!(
        nested_in_tokio_main(log.clone(), "x"),
        Err(error("not a number"))
    );
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(not a number)",
            "drop a",
            "exit a: err(not a number)"
        ]
    );

    let log = Log::new();
    assert_eq!(nested_in_tokio_main(log.clone(), "5"), Ok(2));
    assert!(log.events().contains(&"n = 5".to_string()));
}

#[tokio::test]
async fn s10_return_inside_two_contexts_in_a_tokio_test_body() -> Result<(), TestError> {
    let log = Log::new();
    async_with!(log.context("a"), log.context("b") => {
        if log.events().len() == 2 {
            return Ok(());
        }
        log.push("not reached");
    });
    Err(error("the body should have returned"))
}

#[tokio::test]
async fn s11_nested_return_in_an_async_block_typed_after_its_body() {
    let log = Log::new();
    for fail in [false, true] {
        // The block's output type is fixed by the `let` only after the block is checked.
        let result: Result<u32, TestError> = async {
            async_with!(log.context("a") => {
                async_with!(log.context("b") => {
                    if fail {
                        return Err(error("inner"));
                    }
                });
                log.push("between");
            });
            Ok(3)
        }
        .await;
        assert_eq!(result, if fail { Err(error("inner")) } else { Ok(3) });
    }
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: ok",
            "between",
            "drop a",
            "exit a: ok",
            "enter a",
            "enter b",
            "drop b",
            "exit b: err(inner)",
            "drop a",
            "exit a: err(inner)"
        ]
    );
}

#[tokio::test]
async fn s10_break_and_continue_from_the_second_context_reach_the_outer_loop()
-> Result<(), TestError> {
    let log = Log::new();
    'outer: for i in 0..3 {
        #[allow(clippy::never_loop)] // every turn leaves: the jumps are what is tested
        loop {
            async_with!(log.context("a"), log.context("b") => {
                match i {
                    0 => continue 'outer,
                    1 => break,
                    _ => break 'outer,
                }
            });
        }
        log.push(format!("after loop {i}"));
    }
    let events = log.events();
    let exits = |name: &str| events.iter().filter(|e| e.starts_with(name)).count();
    assert_eq!(exits("exit a: ok"), 3);
    assert_eq!(exits("exit b: ok"), 3);
    assert_eq!(exits("after loop"), 1);
    assert!(events.contains(&"after loop 1".to_string()));
    Ok(())
}

#[tokio::test]
async fn s11_a_nested_block_breaks_a_loop_inside_the_outer_body() -> Result<(), TestError> {
    let log = Log::new();
    let mut turns = 0;
    async_with!(log.context("a") => {
        loop {
            turns += 1;
            async_with!(log.context("b") => {
                if turns == 2 {
                    break;
                }
            });
        }
        log.push("after the loop, inside a");
    });
    assert_eq!(turns, 2);
    assert_eq!(
        log.events(),
        [
            "enter a",
            "enter b",
            "drop b",
            "exit b: ok",
            "enter b",
            "drop b",
            "exit b: ok",
            "after the loop, inside a",
            "drop a",
            "exit a: ok"
        ]
    );
    Ok(())
}
