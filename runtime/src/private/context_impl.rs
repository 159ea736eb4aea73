//! Support for the `AsyncContext` impls that `#[async_context]` writes.

/// The parts of a `Result`-returning enter or exit, also through aliases such as
/// `io::Result<T>`.
pub trait IntoResult {
    type Ok;
    type Err;
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> IntoResult for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn into_result(self) -> Self {
        self
    }
}

/// `enter` and `exit` of an `#[async_context]` share one error type (D13): exit's
/// result passes through this, typed by enter's error type.
#[diagnostic::on_unimplemented(
    message = "`enter` and `exit` must share one error type",
    label = "this error type differs from `enter`'s",
    note = "`async_with!` leaves with either error the same way, so both need the same type: convert one into the other with `map_err`, or use one error enum for both"
)]
pub trait SameError<Enter> {
    type Ok;
    type Err;
    fn into_same(self) -> Result<Self::Ok, Self::Err>;
}

#[diagnostic::do_not_recommend]
impl<T, U> SameError<U> for Result<T, U> {
    type Ok = T;
    type Err = U;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn into_same(self) -> Self {
        self
    }
}

pin_project_lite::pin_project! {
    /// A user's enter or exit future, its output mapped by `map` (a zero-sized fn item such
    /// as `Result::Ok` or `IntoResult::into_result`): what `#[async_context]`'s
    /// `AsyncContext` impl returns, rather than an `async fn` around the user's, which would
    /// store `self` and the outcome once more and be a state machine of its own.
    pub struct Forward<F, M> {
        #[pin]
        future: F,
        map: M,
    }
}

/// The user's `future`, with `map` applied to its output.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn forward<F: core::future::Future, M: FnMut(F::Output) -> T, T>(
    future: F,
    map: M,
) -> Forward<F, M> {
    Forward { future, map }
}

impl<F: core::future::Future, M: FnMut(F::Output) -> T, T> core::future::Future for Forward<F, M> {
    type Output = T;

    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn poll(
        self: core::pin::Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<T> {
        let this = self.project();
        this.future.poll(cx).map(this.map)
    }
}
