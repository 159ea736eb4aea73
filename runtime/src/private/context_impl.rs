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
