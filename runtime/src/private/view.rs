//! What exit sees of a failure: which error a failure site holds, whether a returned
//! value is a failure, and how much of a failure's type an `Outcome` can show.
//!
//! Both questions are answered by autoref specialization on the concrete type at the
//! block: the receiver is wrapped in several references, and method lookup takes the
//! impl that needs the fewest auto-derefs, i.e. the most specific one that applies.

use crate::Outcome;
use crate::outcome::{DebugDisplay, Failure};
use std::convert::Infallible;
use std::error::Error;
use std::fmt;

/// The error a `?` residual carries: the `E` of `Result<Infallible, E>`, or a `None`.
pub trait Residual {
    type Error;
    fn error(&self) -> &Self::Error;
}

impl<E> Residual for Result<Infallible, E> {
    type Error = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn error(&self) -> &E {
        match self {
            Ok(never) => match *never {},
            Err(e) => e,
        }
    }
}

impl Residual for Option<Infallible> {
    type Error = NoneReturned;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn error(&self) -> &NoneReturned {
        &NoneReturned
    }
}

impl Residual for super::Suppressed {
    type Error = super::Suppressed;
    fn error(&self) -> &super::Suppressed {
        self
    }
}

/// An enter or exit failure of a nested context.
impl<E> Residual for Result<(), E> {
    type Error = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn error(&self) -> &E {
        match self {
            Ok(()) => unreachable!("async_with: only failures leave"),
            Err(e) => e,
        }
    }
}

#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn residual_error<R: Residual>(residual: &R) -> &R::Error {
    residual.error()
}

/// The outcome of a failure, seen through the view chosen for its type.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn failed(failure: Failure<'_>) -> Outcome<'_> {
    // An `ExitStack`'s error shows the error inside it.
    let failure = match failure {
        Failure::Static(error) => match error.downcast_ref::<crate::StackError>() {
            Some(stack) => Failure::Static(&*stack.error),
            None => failure,
        },
        other => other,
    };
    Outcome::from_failure(failure)
}

// ---- Is a returned value a failure? (autoref specialization on the concrete type)

pub struct Probe<'a, T>(pub &'a T);

/// A `None` that left the function.
pub struct NoneReturned;

impl fmt::Debug for NoneReturned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("None")
    }
}

impl fmt::Display for NoneReturned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`None`")
    }
}

pub trait ProbeResult<'a> {
    type Err;
    fn __async_with_split(&self) -> Option<&'a Self::Err>;
}

impl<'a, T, E> ProbeResult<'a> for Probe<'a, Result<T, E>> {
    type Err = E;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_split(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}

impl<'a, T> ProbeResult<'a> for Probe<'a, Option<T>> {
    type Err = NoneReturned;
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_split(&self) -> Option<&'a NoneReturned> {
        match self.0 {
            Some(_) => None,
            None => Some(&NoneReturned),
        }
    }
}

pub trait ProbeOther<'a> {
    fn __async_with_split(&self) -> Option<&'a NoneReturned>;
}

impl<'a, T> ProbeOther<'a> for &Probe<'a, T> {
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn __async_with_split(&self) -> Option<&'a NoneReturned> {
        None
    }
}

// ---- How much of a failure can be seen. Receiver: `&&&&&&View(e)`; the impl on the
// most references wins. (An `Error` type that is not `'static` would pick the `Static`
// level anyway — method lookup does not see lifetimes — so there is no level for it.)

pub struct View<'a, E>(pub &'a E);

pub trait ViewStatic<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
// The usual case first, found at the first step of the lookup.
impl<'a, E: Error + Send + Sync + 'static> ViewStatic<'a> for &&&&&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Static(self.0)
    }
}

pub trait ViewBoxed<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
// `Box<dyn Error + Send + Sync>` is not an `Error` itself: the error inside it.
impl<'a> ViewBoxed<'a> for &&&&View<'a, Box<dyn Error + Send + Sync>> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Static(&**self.0)
    }
}

pub trait ViewDebugDisplay<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Debug + fmt::Display + Send + Sync + 'a> ViewDebugDisplay<'a> for &&&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::DebugDisplay(self.0 as &(dyn DebugDisplay + Send + Sync))
    }
}

pub trait ViewDebug<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Debug + Send + Sync + 'a> ViewDebug<'a> for &&View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Debug(self.0)
    }
}

pub trait ViewDisplay<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E: fmt::Display + Send + Sync + 'a> ViewDisplay<'a> for &View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Display(self.0)
    }
}

pub trait ViewOpaque<'a> {
    fn __async_with_view(&self) -> Failure<'a>;
}
impl<'a, E> ViewOpaque<'a> for View<'a, E> {
    fn __async_with_view(&self) -> Failure<'a> {
        Failure::Opaque
    }
}
