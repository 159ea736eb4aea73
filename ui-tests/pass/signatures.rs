// Every accepted `enter`/`exit`/`cancel` shape of `#[async_context]`.
use async_with::{async_context, async_with, Exit, Outcome};
use std::io;

struct NoEnter;
#[async_context]
impl NoEnter {
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

struct PlainValue(u8);
#[async_context]
impl PlainValue {
    async fn enter(&mut self) -> u8 {
        self.0
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Exit {
        Exit::Propagate
    }
}

struct ResultValue;
#[async_context]
impl ResultValue {
    async fn enter(&mut self) -> Result<&mut Self, io::Error> {
        Ok(self)
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), io::Error> {
        Ok(())
    }
}

struct AliasResult;
#[async_context]
impl AliasResult {
    async fn enter(&mut self) -> io::Result<String> {
        Ok(String::new())
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> io::Result<Exit> {
        Ok(Exit::Propagate)
    }
    fn cancel(&mut self) {}
}

struct SharedReceiver;
#[async_context]
impl SharedReceiver {
    async fn enter(&self) -> &Self {
        self
    }
    async fn exit(&self, _outcome: Outcome<'_>) {}
}

struct Marked {
    opened: bool,
}
#[async_context]
impl Marked {
    #[enter]
    async fn open(&mut self) -> Result<bool, io::Error> {
        self.opened = true;
        Ok(self.opened)
    }
    #[exit]
    async fn close(&mut self, _outcome: Outcome<'_>) -> Result<(), io::Error> {
        self.opened = false;
        Ok(())
    }
    #[cancel]
    fn abort(&mut self) {}
    /// Other methods stay ordinary methods.
    fn is_open(&self) -> bool {
        self.opened
    }
}

struct Generic<'a, T: Clone>
where
    T: Send,
{
    items: &'a mut Vec<T>,
}
#[async_context]
impl<'a, T: Clone> Generic<'a, T>
where
    T: Send,
{
    async fn enter(&mut self) -> &mut Vec<T> {
        self.items
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

async fn use_all() -> io::Result<()> {
    async_with!(NoEnter as n => { let _: &mut NoEnter = n; });
    async_with!(PlainValue(1) as v => { let _: u8 = v; });
    async_with!(ResultValue as r => { let _: &mut ResultValue = r; });
    let _: Option<()> = async_with!(AliasResult as s => { let _: String = s; None });
    async_with!(SharedReceiver as s => { let _: &SharedReceiver = s; });
    let mut marked = Marked { opened: false };
    async_with!(&mut marked as open => { assert!(open); });
    assert!(!marked.is_open());
    let mut items = vec![1u8];
    async_with!(Generic { items: &mut items } as v => { v.push(2); });
    Ok(())
}

fn main() {
    futures::executor::block_on(use_all()).unwrap();
}
