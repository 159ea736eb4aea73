//! Model-based property test of SPEC §3 and §3b: a compiled program of nested
//! `async_with!` blocks (one or two contexts per block, an inner loop, labelled and
//! unlabelled jumps, all inside a cancel scope) whose every context and body step is chosen
//! at run time by generated data, against a small interpreter of the spec's rules. A step
//! may cut the scope's body (its handle cancelled, then an await): every block around it
//! exits, innermost first, seeing a cancellation. A second cancel scope around one inner
//! block may be cancelled too — from inside that block, before it (its first await cuts),
//! after it (nothing), or together with the outer one (the outer one takes the cut).
//! Each block of the inner loop may be shielded (`shield()`, C1–C3 of
//! `docs/CANCELLATION.md`): a cut that comes while it runs waits for it, and is
//! delivered as its block ends.
//! Both produce an event log and a result; they must agree.

use async_with::{CancelScope, Exit, Outcome, async_context, async_with, shield};
use async_with_tests::describe;
use proptest::prelude::*;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

const OUTER: usize = 3;
const INNER: usize = 2;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Action {
    #[default]
    Finish,
    Yield,
    QuestionMark,
    ReturnOk,
    ReturnErr,
    Break,
    BreakOuter,
    Continue,
    ContinueOuter,
    Panic,
    /// Cancels the scope's handle, then awaits: the scope cuts its body there.
    Cut,
    /// Cancels the inner scope's handle (the scope around `c`'s block), then awaits: inside
    /// that block, the inner scope cuts its body there; before it, at its first await (`c`'s
    /// enter); after it, nothing.
    CutInner,
    /// Cancels both handles, inner first, then awaits: the outer scope takes the cut.
    CutBoth,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Behaviour {
    enter_fails: bool,
    exit_fails: bool,
    suppresses: bool,
}

/// The contexts of the program, and its body steps.
#[derive(Clone, Copy, Debug)]
enum Ctx {
    A,
    B,
    C,
    D,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    S1,
    S2,
    S3,
    S4,
}

/// Everything the program does, per context or step, per iteration `(i, j)`.
#[derive(Clone, Debug)]
struct Plan {
    contexts: [[[Behaviour; INNER]; OUTER]; 4],
    actions: [[[Action; INNER]; OUTER]; 4],
    /// The inner loop's block `(i, j)` is shielded.
    shields: [[bool; INNER]; OUTER],
}

impl Plan {
    fn ctx(&self, c: Ctx, i: usize, j: usize) -> Behaviour {
        self.contexts[c as usize][i][j]
    }
    fn act(&self, s: Slot, i: usize, j: usize) -> Action {
        self.actions[s as usize][i][j]
    }
}

fn name(c: Ctx) -> &'static str {
    ["a", "b", "c", "d"][c as usize]
}

fn slot_name(s: Slot) -> &'static str {
    ["s1", "s2", "s3", "s4"][s as usize]
}

#[derive(Debug, Clone, PartialEq)]
struct Failure(String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

type Log = Arc<Mutex<Vec<String>>>;

/// The compiled program's context: does what the plan says and logs it.
struct Scripted {
    name: String,
    behaviour: Behaviour,
    log: Log,
}

fn ctx(plan: &Plan, log: &Log, c: Ctx, i: usize, j: usize) -> Scripted {
    Scripted {
        name: name(c).into(),
        behaviour: plan.ctx(c, i, j),
        log: log.clone(),
    }
}

#[async_context]
impl Scripted {
    async fn enter(&mut self) -> Result<(), Failure> {
        self.log
            .lock()
            .unwrap()
            .push(format!("enter {}", self.name));
        tokio::task::yield_now().await;
        if self.behaviour.enter_fails {
            return Err(Failure(format!("{} enter failed", self.name)));
        }
        Ok(())
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<Exit, Failure> {
        self.log
            .lock()
            .unwrap()
            .push(format!("exit {}: {}", self.name, describe(&outcome)));
        if self.behaviour.exit_fails {
            return Err(Failure(format!("{} exit failed", self.name)));
        }
        Ok(if self.behaviour.suppresses {
            Exit::Suppress
        } else {
            Exit::Propagate
        })
    }
}

/// Logs a body step and returns what it does. (Each step's `match` is written out in the
/// program: a `?` or `break` inside a local macro would be hidden from `async_with!`.)
fn step(plan: &Plan, log: &Log, s: Slot, i: usize, j: usize) -> Action {
    log.lock().unwrap().push(format!("{} {i}{j}", slot_name(s)));
    plan.act(s, i, j)
}

fn failure(s: Slot, i: usize, j: usize, what: &str) -> Failure {
    Failure(format!("{} {i}{j} {what}", slot_name(s)))
}

/// The compiled program.
async fn program(plan: &Plan, log: &Log) -> Result<u32, Failure> {
    let mut completed = 0;
    'outer: for i in 0..OUTER {
        let inner_scope = CancelScope::new();
        let inner = inner_scope.handle();
        async_with!(CancelScope::new() as scope, ctx(plan, log, Ctx::A, i, 0), ctx(plan, log, Ctx::B, i, 0) => {
            match step(plan, log, Slot::S1, i, 0) {
                Action::Finish => {}
                Action::Yield => tokio::task::yield_now().await,
                Action::QuestionMark => Err(failure(Slot::S1, i, 0, "failed"))?,
                Action::ReturnOk => return Ok(100 + i as u32),
                Action::ReturnErr => return Err(failure(Slot::S1, i, 0, "returned")),
                Action::Break => break,
                Action::BreakOuter => break 'outer,
                Action::Continue => continue,
                Action::ContinueOuter => continue 'outer,
                Action::Panic => panic!("{} {}{} panicked", slot_name(Slot::S1), i, 0),
                Action::Cut => {
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutInner => {
                    inner.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutBoth => {
                    inner.cancel();
                    scope.cancel();
                    tokio::task::yield_now().await
                }
            };
            async_with!(inner_scope, ctx(plan, log, Ctx::C, i, 0) => {
                match step(plan, log, Slot::S2, i, 0) {
                    Action::Finish => {}
                    Action::Yield => tokio::task::yield_now().await,
                    Action::QuestionMark => Err(failure(Slot::S2, i, 0, "failed"))?,
                    Action::ReturnOk => return Ok(100 + i as u32),
                    Action::ReturnErr => return Err(failure(Slot::S2, i, 0, "returned")),
                    Action::Break => break,
                    Action::BreakOuter => break 'outer,
                    Action::Continue => continue,
                    Action::ContinueOuter => continue 'outer,
                    Action::Panic => panic!("{} {}{} panicked", slot_name(Slot::S2), i, 0),
                Action::Cut => {
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutInner => {
                    inner.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutBoth => {
                    inner.cancel();
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                };
            });
            for j in 0..INNER {
                async_with!(plan.shields[i][j].then(shield), ctx(plan, log, Ctx::D, i, j) => {
                    match step(plan, log, Slot::S3, i, j) {
                        Action::Finish => {}
                        Action::Yield => tokio::task::yield_now().await,
                        Action::QuestionMark => Err(failure(Slot::S3, i, j, "failed"))?,
                        Action::ReturnOk => return Ok(100 + i as u32),
                        Action::ReturnErr => return Err(failure(Slot::S3, i, j, "returned")),
                        Action::Break => break,
                        Action::BreakOuter => break 'outer,
                        Action::Continue => continue,
                        Action::ContinueOuter => continue 'outer,
                        Action::Panic => panic!("{} {}{} panicked", slot_name(Slot::S3), i, j),
                Action::Cut => {
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutInner => {
                    inner.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutBoth => {
                    inner.cancel();
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                    };
                });
            }
            match step(plan, log, Slot::S4, i, 0) {
                Action::Finish => {}
                Action::Yield => tokio::task::yield_now().await,
                Action::QuestionMark => Err(failure(Slot::S4, i, 0, "failed"))?,
                Action::ReturnOk => return Ok(100 + i as u32),
                Action::ReturnErr => return Err(failure(Slot::S4, i, 0, "returned")),
                Action::Break => break,
                Action::BreakOuter => break 'outer,
                Action::Continue => continue,
                Action::ContinueOuter => continue 'outer,
                Action::Panic => panic!("{} {}{} panicked", slot_name(Slot::S4), i, 0),
                Action::Cut => {
                    scope.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutInner => {
                    inner.cancel();
                    tokio::task::yield_now().await
                }
                Action::CutBoth => {
                    inner.cancel();
                    scope.cancel();
                    tokio::task::yield_now().await
                }
            };
        });
        completed += 1;
    }
    Ok(completed)
}

// ---- The model: SPEC §3's rules, interpreted.

#[derive(Debug, Clone, PartialEq)]
enum Flow {
    Normal,
    Break {
        outer: bool,
    },
    Continue {
        outer: bool,
    },
    Return(Result<u32, String>),
    Panic(String),
    /// The scope is cutting its body.
    Cut,
    /// The inner scope is cutting its body.
    CutInner,
}

enum Node {
    /// A cancel scope, the outermost context of its block; swallows its own cut.
    Scope(Vec<Node>),
    /// The inner cancel scope, the first context of its block; swallows its own cut.
    InnerScope(Vec<Node>),
    With(Vec<Ctx>, Vec<Node>),
    Act(Slot),
    InnerLoop(Vec<Node>),
    /// A block that may be shielded (the plan says, per `(i, j)`).
    MaybeShielded(Vec<Node>),
}

fn shape() -> Vec<Node> {
    use Node::*;
    vec![Scope(vec![With(
        vec![Ctx::A, Ctx::B],
        vec![
            Act(Slot::S1),
            InnerScope(vec![With(vec![Ctx::C], vec![Act(Slot::S2)])]),
            InnerLoop(vec![MaybeShielded(vec![With(
                vec![Ctx::D],
                vec![Act(Slot::S3)],
            )])]),
            Act(Slot::S4),
        ],
    )])]
}

struct Model<'p> {
    plan: &'p Plan,
    log: Vec<String>,
    /// The scope's handle was cancelled: the next await is cut.
    cutting: bool,
    /// This iteration's inner scope handle was cancelled.
    inner_cancelled: bool,
    /// Inside the inner scope's block.
    in_inner: bool,
    /// Inside a shielded block: the scope's cut does not reach it (C1).
    shielded: bool,
}

impl Model<'_> {
    fn run(mut self) -> (Vec<String>, Result<Result<u32, String>, String>) {
        let mut completed = 0;
        let shape = shape();
        for i in 0..OUTER {
            self.inner_cancelled = false;
            match self.block(&shape, i, 0) {
                Flow::Normal => completed += 1,
                Flow::Break { .. } => break,
                Flow::Continue { .. } => continue,
                Flow::Return(r) => return (self.log, Ok(r)),
                Flow::Panic(m) => return (self.log, Err(m)),
                Flow::Cut | Flow::CutInner => unreachable!("the scopes swallow their cuts"),
            }
        }
        (self.log, Ok(Ok(completed)))
    }

    fn block(&mut self, nodes: &[Node], i: usize, j: usize) -> Flow {
        for node in nodes {
            let flow = match node {
                Node::Act(s) => self.act(*s, i, j),
                Node::Scope(body) => self.scope(body, i, j),
                Node::InnerScope(body) => self.inner_scope(body, i, j),
                Node::With(ctxs, body) => self.with(ctxs, body, i, j),
                Node::InnerLoop(body) => self.inner_loop(body, i),
                Node::MaybeShielded(body) => self.maybe_shielded(body, i, j),
            };
            if flow != Flow::Normal {
                return flow;
            }
        }
        Flow::Normal
    }

    fn inner_loop(&mut self, body: &[Node], i: usize) -> Flow {
        for j in 0..INNER {
            match self.block(body, i, j) {
                Flow::Normal | Flow::Continue { outer: false } => {}
                Flow::Break { outer: false } => break,
                other => return other,
            }
        }
        Flow::Normal
    }

    /// S23: a cancel scope swallows its own cut; anything else passes through it.
    fn scope(&mut self, body: &[Node], i: usize, j: usize) -> Flow {
        let flow = self.block(body, i, j);
        self.cutting = false;
        match flow {
            Flow::Cut => Flow::Normal,
            other => other,
        }
    }

    /// S23: the inner scope swallows its own cut; an outer cut passes through it.
    fn inner_scope(&mut self, body: &[Node], i: usize, j: usize) -> Flow {
        self.in_inner = true;
        let flow = self.block(body, i, j);
        self.in_inner = false;
        match flow {
            Flow::CutInner => Flow::Normal,
            other => other,
        }
    }

    /// C1–C3: a shield's body is not cut by the scope around it; a cut that came
    /// meanwhile is delivered as the shield's block ends (its failure or panic rises
    /// instead, S23). The shielded blocks sit outside the inner scope.
    fn maybe_shielded(&mut self, body: &[Node], i: usize, j: usize) -> Flow {
        if !self.plan.shields[i][j] {
            return self.block(body, i, j);
        }
        self.shielded = true;
        let flow = self.block(body, i, j);
        self.shielded = false;
        match flow {
            Flow::Panic(_) | Flow::Return(Err(_)) => flow,
            _ if self.cutting => Flow::Cut,
            other => other,
        }
    }

    /// An await: cut if a scope around it was cancelled, the outer one first (S20),
    /// unless a shield is in between.
    fn at_await(&self) -> Flow {
        if self.cutting && !self.shielded {
            Flow::Cut
        } else if self.in_inner && self.inner_cancelled {
            Flow::CutInner
        } else {
            Flow::Normal
        }
    }

    fn act(&mut self, s: Slot, i: usize, j: usize) -> Flow {
        self.log.push(format!("{} {i}{j}", slot_name(s)));
        let at = format!("{} {i}{j}", slot_name(s));
        match self.plan.act(s, i, j) {
            // S17: the body is cut at its await once the handle is cancelled.
            Action::Cut => {
                self.cutting = true;
                self.at_await()
            }
            Action::CutInner => {
                self.inner_cancelled = true;
                self.at_await()
            }
            Action::CutBoth => {
                self.inner_cancelled = true;
                self.cutting = true;
                self.at_await()
            }
            Action::Yield => self.at_await(),
            Action::Finish => Flow::Normal,
            Action::QuestionMark => Flow::Return(Err(format!("{at} failed"))),
            Action::ReturnOk => Flow::Return(Ok(100 + i as u32)),
            Action::ReturnErr => Flow::Return(Err(format!("{at} returned"))),
            Action::Break => Flow::Break { outer: false },
            Action::BreakOuter => Flow::Break { outer: true },
            Action::Continue => Flow::Continue { outer: false },
            Action::ContinueOuter => Flow::Continue { outer: true },
            Action::Panic => Flow::Panic(format!("{at} panicked")),
        }
    }

    /// `a, b => body` is `a => { b => body }` (S10).
    fn with(&mut self, ctxs: &[Ctx], body: &[Node], i: usize, j: usize) -> Flow {
        let (&c, rest) = ctxs.split_first().expect("a block has a context");
        let behaviour = self.plan.ctx(c, i, j);
        self.log.push(format!("enter {}", name(c)));
        let at_enter = self.at_await();
        if at_enter != Flow::Normal {
            // Its enter awaits: cut there, before it entered (neither exit nor cancel).
            return at_enter;
        }
        if behaviour.enter_fails {
            return Flow::Return(Err(format!("{} enter failed", name(c)))); // S2
        }
        let flow = if rest.is_empty() {
            self.block(body, i, j)
        } else {
            self.with(rest, body, i, j)
        };
        let seen = match &flow {
            Flow::Return(Err(m)) => format!("err({m})"),
            Flow::Panic(m) => format!("panic({m})"),
            Flow::Cut | Flow::CutInner => "cancelled".to_string(), // S18
            _ => "ok".to_string(),
        };
        self.log.push(format!("exit {}: {seen}", name(c)));
        match flow {
            Flow::Panic(m) => Flow::Panic(m), // S7: never suppressed, never replaced
            // S9, S23: an exit that fails during a cut leaves its block with its error,
            // which rises through the cut body.
            _ if behaviour.exit_fails => Flow::Return(Err(format!("{} exit failed", name(c)))),
            Flow::Return(Err(_)) if behaviour.suppresses => Flow::Normal, // S8
            other => other,
        }
    }
}

/// The generated program as a reader would want it: per iteration, what each context
/// and step does (only what differs from "enters, exits, finishes").
fn listing(plan: &Plan) -> String {
    let mut out = String::new();
    for i in 0..OUTER {
        for j in 0..INNER {
            let mut parts = Vec::new();
            for c in [Ctx::A, Ctx::B, Ctx::C, Ctx::D] {
                let b = plan.ctx(c, i, j);
                if b != Behaviour::default() && (j == 0 || matches!(c, Ctx::D)) {
                    parts.push(format!("{}: {b:?}", name(c)));
                }
            }
            for s in [Slot::S1, Slot::S2, Slot::S3, Slot::S4] {
                let a = plan.act(s, i, j);
                if a != Action::Finish && (j == 0 || matches!(s, Slot::S3)) {
                    parts.push(format!("{}: {a:?}", slot_name(s)));
                }
            }
            if plan.shields[i][j] {
                parts.push("d shielded".to_string());
            }
            if !parts.is_empty() {
                out += &format!("  i={i} j={j}: {}\n", parts.join(", "));
            }
        }
    }
    out
}

fn run_program(plan: &Plan) -> (Vec<String>, Result<Result<u32, String>, String>) {
    let log: Log = Arc::default();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        futures::executor::block_on(program(plan, &log))
    }));
    let result = match result {
        Ok(r) => Ok(r.map_err(|e| e.0)),
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "<non-string panic>".into())),
    };
    let log = log.lock().unwrap().clone();
    (log, result)
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => Just(Action::Finish),
        2 => Just(Action::Yield),
        2 => Just(Action::QuestionMark),
        1 => Just(Action::ReturnOk),
        1 => Just(Action::ReturnErr),
        1 => Just(Action::Break),
        1 => Just(Action::BreakOuter),
        1 => Just(Action::Continue),
        1 => Just(Action::ContinueOuter),
        1 => Just(Action::Panic),
        2 => Just(Action::Cut),
        1 => Just(Action::CutInner),
        1 => Just(Action::CutBoth),
    ]
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    (
        proptest::bool::weighted(0.1),
        proptest::bool::weighted(0.15),
        proptest::bool::weighted(0.25),
    )
        .prop_map(|(enter_fails, exit_fails, suppresses)| Behaviour {
            enter_fails,
            exit_fails,
            suppresses,
        })
}

fn plan() -> impl Strategy<Value = Plan> {
    // Flat vectors, reshaped: nested array strategies overflow the stack of a debug build.
    fn grid<T: std::fmt::Debug + Clone + Copy + Default>(
        s: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = [[[T; INNER]; OUTER]; 4]> {
        proptest::collection::vec(s, 4 * OUTER * INNER).prop_map(|flat| {
            let mut grid = [[[T::default(); INNER]; OUTER]; 4];
            for (k, v) in flat.into_iter().enumerate() {
                grid[k / (OUTER * INNER)][k / INNER % OUTER][k % INNER] = v;
            }
            grid
        })
    }
    let shields =
        proptest::collection::vec(proptest::bool::weighted(0.4), OUTER * INNER).prop_map(|flat| {
            let mut shields = [[false; INNER]; OUTER];
            for (k, v) in flat.into_iter().enumerate() {
                shields[k / INNER][k % INNER] = v;
            }
            shields
        });
    (grid(behaviour()), grid(action()), shields).prop_map(|(contexts, actions, shields)| Plan {
        contexts,
        actions,
        shields,
    })
}

#[test]
fn the_expansion_agrees_with_the_model_of_the_spec() {
    // Panics are part of the generated programs: keep their messages off the output.
    std::panic::set_hook(Box::new(|_| {}));
    let config = ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let outcome = proptest::test_runner::TestRunner::new(config).run(&plan(), |plan| {
        let (log, result) = run_program(&plan);
        let (expected_log, expected_result) = Model {
            plan: &plan,
            log: Vec::new(),
            cutting: false,
            inner_cancelled: false,
            in_inner: false,
            shielded: false,
        }
        .run();
        prop_assert_eq!(&log, &expected_log, "program:\n{}", listing(&plan));
        prop_assert_eq!(&result, &expected_result, "program:\n{}", listing(&plan));
        Ok(())
    });
    let _ = std::panic::take_hook();
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
