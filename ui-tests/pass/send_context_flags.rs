// Both flags together; a generic context with the bounds its futures need.
use async_with::{async_context, Outcome, SendAsyncContext};

struct Connection;

#[async_context(send, spawn_exit_on_cancel)]
impl Connection {
    async fn enter(&mut self) -> std::io::Result<u32> {
        Ok(1)
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> std::io::Result<()> {
        Ok(())
    }
}

struct Tagged<T>(T);

#[async_context(send)]
impl<T: Send + Sync + Clone> Tagged<T> {
    async fn enter(&mut self) -> T {
        self.0.clone()
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) {}
}

fn is_send_context<C: SendAsyncContext>() {}

fn main() {
    is_send_context::<Connection>();
    is_send_context::<Tagged<String>>();
}
