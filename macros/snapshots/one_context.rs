async fn expansion() {
    {
        use ::async_with::checks::LeaveWith as _;
        use ::async_with::__private::{NoScopeCut as _, ScopeCut as _};
        use ::async_with::checks::{TailValue as _, TypeKnownAtTail as _};
        use ::async_with::__private::{
            ViewBoxed as _, ViewDebug as _, ViewDebugDisplay as _, ViewDisplay as _,
            ViewOpaque as _, ViewStatic as _,
        };
        let __async_with_witness = ::async_with::__private::witness();
        if false {
            return __async_with_witness.never();
        }
        let mut __async_with_guard0 = {
            let mut __async_with_guard0 = ::async_with::__private::guard(
                db.transaction(),
                ::async_with::AsyncContext::cancel,
            );
            let __async_with_cut0 = ::async_with::__private::ScopeOf(
                    &mut __async_with_guard0.context,
                )
                .__async_with_cut();
            ::async_with::__private::at_context(__async_with_guard0)
                .with_cut(__async_with_cut0)
        };
        let __async_with_context_type0 = ::async_with::__private::context_type(
            &__async_with_guard0.context,
        );
        let __async_with_result0 = {
            let __async_with_value0 = match ::async_with::AsyncContext::enter(
                    ::async_with::__private::at_context(&mut __async_with_guard0.context),
                )
                .await
            {
                ::core::result::Result::Ok(ok) => ok,
                failed => {
                    return (::async_with::checks::CanReturnError::__async_with_leave)(
                        ::async_with::checks::Fail {
                            error: failed,
                        }
                            .leave(),
                    );
                }
            };
            __async_with_guard0.state.armed = true;
            ::async_with::__private::Caught {
                body: async {
                    if false {
                        return ::async_with::__private::AsyncWithBodyFlow::<
                            _,
                            _,
                            ::core::convert::Infallible,
                            ::async_with::__private::Sites<_>,
                        >::typed();
                    }
                    let __async_with_keep0 = __async_with_value0;
                    let tx = __async_with_keep0;
                    match ::async_with::__private::Branch::branch(
                        tx.execute("UPDATE").await,
                    ) {
                        ::core::ops::ControlFlow::Continue(__async_with_value) => {
                            __async_with_value
                        }
                        ::core::ops::ControlFlow::Break(__async_with_residual) => {
                            return ::async_with::__private::AsyncWithBodyFlow::Fail(
                                ::async_with::__private::Sites::F0(__async_with_residual),
                            );
                        }
                    };
                    if done() {
                        return ::async_with::__private::AsyncWithBodyFlow::ReturnOk(
                            (__async_with_witness.ret)(Ok(0)),
                        );
                    }
                    #[allow(unreachable_code)]
                    let flow = ::async_with::__private::AsyncWithBodyFlow::Value(
                        tx.last_id(),
                    );
                    flow
                },
                state: &mut __async_with_guard0.state,
            }
                .await
        };
        let __async_with_outcome0 = match &__async_with_result0 {
            ::core::result::Result::Err(interrupted) => {
                ::async_with::__private::interrupted(interrupted)
            }
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Value(value),
            ) => {
                match (&::async_with::checks::Tail(value)).__async_with_tail() {
                    ::core::option::Option::Some(error) => {
                        ::async_with::__private::failed(
                            (&&&&&&::async_with::__private::View(error))
                                .__async_with_view(),
                        )
                    }
                    ::core::option::Option::None => ::async_with::Outcome::ok(),
                }
            }
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Fail(failure),
            ) => {
                match failure {
                    ::async_with::__private::Sites::F0(failure) => {
                        ::async_with::__private::failed(
                            (&&&&&&::async_with::__private::View(
                                ::async_with::__private::residual_error(failure),
                            ))
                                .__async_with_view(),
                        )
                    }
                    ::async_with::__private::Sites::Next(never) => match *never {}
                }
            }
            ::core::result::Result::Ok(_) => ::async_with::Outcome::ok(),
        };
        __async_with_guard0.state.failed = ::async_with::Outcome::is_err(
            &{ __async_with_outcome0 },
        );
        let __async_with_exited0 = ::async_with::__private::shield(
                ::async_with::AsyncContext::exit(
                    ::async_with::__private::at_context(
                        &mut __async_with_guard0.context,
                    ),
                    __async_with_outcome0,
                ),
                &mut __async_with_guard0.state,
            )
            .await;
        __async_with_guard0.state.armed = false;
        let __async_with_decision0 = match __async_with_exited0 {
            ::core::result::Result::Ok(ok) => ok,
            failed => {
                if let ::core::result::Result::Err(interrupted) = __async_with_result0 {
                    ::async_with::__private::resume_panic(interrupted)
                }
                return (::async_with::checks::CanReturnError::__async_with_leave)(
                    ::async_with::checks::Fail {
                        error: failed,
                    }
                        .leave(),
                );
            }
        };
        let __async_with_suppressed0 = {
            let proof = ::core::marker::PhantomData;
            if false {
                ::async_with::checks::suppressed(
                    &__async_with_result0,
                    ::async_with::__private::at_context(__async_with_context_type0),
                    proof,
                )
            }
            ::async_with::checks::suppressed_value(
                proof,
                ::async_with::__private::at_context(__async_with_context_type0),
                __async_with_decision0,
                __async_with_guard0.state.failed,
            )
        };
        match __async_with_result0 {
            ::core::result::Result::Err(interrupted) => {
                ::async_with::__private::unwound(interrupted, __async_with_suppressed0)
            }
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Value(value),
            ) => value,
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::ReturnOk(returned),
            ) => return returned,
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Jump(jump),
            ) => match jump {}
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Return(returned),
            ) => {
                match __async_with_suppressed0 {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => return returned,
                }
            }
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Fail(failure),
            ) => {
                match __async_with_suppressed0 {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => {
                        match failure {
                            ::async_with::__private::Sites::F0(failure) => {
                                match failure? {}
                            }
                        }
                    }
                }
            }
        }
    }
}
