//! Which block types a context that can suppress may wrap (S8, D10).

use crate::{Exit, ExitDecision};

/// Whether a decision `Self` can replace a block of type `V` by a suppressed failure's
/// value (S8). `()` never suppresses, so takes any `V`; `Exit` takes `()` and `Option<_>`.
/// Every decision takes `()` (a supertrait of `ExitDecision`), so `()` blocks work in
/// generic code too.
#[diagnostic::on_unimplemented(
    message = "this context can suppress failures, so its `async_with!` block must have type `()` or `Option<_>`, not `{V}`",
    label = "this block has type `{V}`",
    note = "when exit returns `Exit::Suppress` the block has no value to give: it then evaluates to `()` or `None`",
    note = "end the block with `;` to make it `()`, wrap its value in `Some(..)` to make it an `Option`, or use a context whose exit returns `()`/`Result<(), E>` (it never suppresses)"
)]
pub trait SuppressTo<V> {
    fn suppressed(self) -> Option<V>;
}

#[diagnostic::do_not_recommend]
impl<V> SuppressTo<V> for () {
    #[inline(always)]
    fn suppressed(self) -> Option<V> {
        None
    }
}

impl SuppressTo<()> for Exit {
    #[inline(always)]
    fn suppressed(self) -> Option<()> {
        self.suppresses().then_some(())
    }
}

impl<T> SuppressTo<Option<T>> for Exit {
    #[inline(always)]
    fn suppressed(self) -> Option<Option<T>> {
        self.suppresses().then_some(None)
    }
}
