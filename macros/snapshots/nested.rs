async fn expansion() {
    {
        use ::async_with::checks::LeaveWith as _;
        use ::async_with::__private::{NoScopeCut as _, ScopeCut as _};
        use ::async_with::checks::{TailValue as _, TypeKnownAtTail as _};
        use ::async_with::__private::{
            ViewBoxed as _, ViewDebug as _, ViewDebugDisplay as _, ViewDisplay as _,
            ViewOpaque as _, ViewStatic as _,
        };
        let mut __async_with_guard0 = {
            let mut __async_with_guard0 = ::async_with::__private::guard(
                outer,
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
                            ::core::convert::Infallible,
                            ::core::convert::Infallible,
                            ::async_with::__private::Sites<
                                _,
                                ::async_with::__private::Sites<_>,
                            >,
                        >::typed();
                    }
                    let __async_with_keep0 = __async_with_value0;
                    #[allow(unreachable_code)]
                    let flow = ::async_with::__private::AsyncWithBodyFlow::Value(
                        for item in items {
                            {
                                {
                                    use ::async_with::__private::{
                                        ViewBoxed as _, ViewDebug as _, ViewDebugDisplay as _,
                                        ViewDisplay as _, ViewOpaque as _, ViewStatic as _,
                                    };
                                    let mut __async_with_guard1 = {
                                        let mut __async_with_guard1 = ::async_with::__private::guard(
                                            inner,
                                            ::async_with::AsyncContext::cancel,
                                        );
                                        let __async_with_cut1 = ::async_with::__private::ScopeOf(
                                                &mut __async_with_guard1.context,
                                            )
                                            .__async_with_cut();
                                        ::async_with::__private::at_context(__async_with_guard1)
                                            .with_cut(__async_with_cut1)
                                    };
                                    let __async_with_context_type1 = ::async_with::__private::context_type(
                                        &__async_with_guard1.context,
                                    );
                                    let __async_with_result1 = {
                                        let __async_with_value1 = match ::async_with::AsyncContext::enter(
                                                ::async_with::__private::at_context(
                                                    &mut __async_with_guard1.context,
                                                ),
                                            )
                                            .await
                                        {
                                            ::core::result::Result::Ok(ok) => ok,
                                            failed => {
                                                return ::async_with::__private::AsyncWithBodyFlow::Fail(
                                                    ::async_with::__private::Sites::F0(
                                                        failed.map(::core::mem::drop),
                                                    ),
                                                );
                                            }
                                        };
                                        __async_with_guard1.state.armed = true;
                                        ::async_with::__private::Caught {
                                            body: async {
                                                if false {
                                                    return ::async_with::__private::AsyncWithBodyFlow::<
                                                        _,
                                                        ::core::convert::Infallible,
                                                        usize,
                                                        ::async_with::__private::Sites<_>,
                                                    >::typed();
                                                }
                                                let __async_with_keep1 = __async_with_value1;
                                                let i = __async_with_keep1;
                                                if item.skip() {
                                                    return ::async_with::__private::AsyncWithBodyFlow::Jump(
                                                        0usize,
                                                    );
                                                }
                                                i.push(
                                                    match ::async_with::__private::Branch::branch(
                                                        item.parse(),
                                                    ) {
                                                        ::core::ops::ControlFlow::Continue(__async_with_value) => {
                                                            __async_with_value
                                                        }
                                                        ::core::ops::ControlFlow::Break(__async_with_residual) => {
                                                            return ::async_with::__private::AsyncWithBodyFlow::Fail(
                                                                ::async_with::__private::Sites::F0(__async_with_residual),
                                                            );
                                                        }
                                                    },
                                                );
                                                #[allow(unreachable_code)]
                                                let flow = ::async_with::__private::AsyncWithBodyFlow::Value(());
                                                flow
                                            },
                                            state: &mut __async_with_guard1.state,
                                        }
                                            .await
                                    };
                                    let __async_with_outcome1 = match &__async_with_result1 {
                                        ::core::result::Result::Err(interrupted) => {
                                            ::async_with::__private::interrupted(interrupted)
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
                                                ::async_with::__private::Sites::Next(never) => {
                                                    match *never {}
                                                }
                                            }
                                        }
                                        ::core::result::Result::Ok(_) => ::async_with::Outcome::ok(),
                                    };
                                    __async_with_guard1.state.failed = ::async_with::Outcome::is_err(
                                        &{ __async_with_outcome1 },
                                    );
                                    let __async_with_exited1 = ::async_with::__private::shield(
                                            ::async_with::AsyncContext::exit(
                                                ::async_with::__private::at_context(
                                                    &mut __async_with_guard1.context,
                                                ),
                                                __async_with_outcome1,
                                            ),
                                            &mut __async_with_guard1.state,
                                        )
                                        .await;
                                    __async_with_guard1.state.armed = false;
                                    let __async_with_decision1 = match __async_with_exited1 {
                                        ::core::result::Result::Ok(ok) => ok,
                                        failed => {
                                            if let ::core::result::Result::Err(interrupted) = __async_with_result1 {
                                                ::async_with::__private::resume_panic(interrupted)
                                            }
                                            return ::async_with::__private::AsyncWithBodyFlow::Fail(
                                                ::async_with::__private::Sites::F0(
                                                    failed.map(::core::mem::drop),
                                                ),
                                            );
                                        }
                                    };
                                    let __async_with_suppressed1 = {
                                        let proof = ::core::marker::PhantomData;
                                        if false {
                                            ::async_with::checks::suppressed(
                                                &__async_with_result1,
                                                ::async_with::__private::at_context(
                                                    __async_with_context_type1,
                                                ),
                                                proof,
                                            )
                                        }
                                        ::async_with::checks::suppressed_value(
                                            proof,
                                            ::async_with::__private::at_context(
                                                __async_with_context_type1,
                                            ),
                                            __async_with_decision1,
                                            __async_with_guard1.state.failed,
                                        )
                                    };
                                    match __async_with_result1 {
                                        ::core::result::Result::Err(interrupted) => {
                                            ::async_with::__private::unwound(
                                                interrupted,
                                                __async_with_suppressed1,
                                            )
                                        }
                                        ::core::result::Result::Ok(
                                            ::async_with::__private::AsyncWithBodyFlow::Value(value),
                                        ) => value,
                                        ::core::result::Result::Ok(
                                            ::async_with::__private::AsyncWithBodyFlow::ReturnOk(
                                                returned,
                                            ),
                                        ) => match returned {}
                                        ::core::result::Result::Ok(
                                            ::async_with::__private::AsyncWithBodyFlow::Jump(jump),
                                        ) => {
                                            match jump {
                                                _ => continue,
                                            }
                                        }
                                        ::core::result::Result::Ok(
                                            ::async_with::__private::AsyncWithBodyFlow::Return(returned),
                                        ) => {
                                            match __async_with_suppressed1 {
                                                ::core::option::Option::Some(value) => value,
                                                ::core::option::Option::None => match returned {}
                                            }
                                        }
                                        ::core::result::Result::Ok(
                                            ::async_with::__private::AsyncWithBodyFlow::Fail(failure),
                                        ) => {
                                            match __async_with_suppressed1 {
                                                ::core::option::Option::Some(value) => value,
                                                ::core::option::Option::None => {
                                                    match failure {
                                                        ::async_with::__private::Sites::F0(failure) => {
                                                            return ::async_with::__private::AsyncWithBodyFlow::Fail(
                                                                ::async_with::__private::Sites::Next(
                                                                    ::async_with::__private::Sites::F0(failure),
                                                                ),
                                                            );
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            };
                        },
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
                    ::async_with::__private::Sites::Next(
                        ::async_with::__private::Sites::F0(failure),
                    ) => {
                        ::async_with::__private::failed(
                            (&&&&&&::async_with::__private::View(
                                ::async_with::__private::residual_error(failure),
                            ))
                                .__async_with_view(),
                        )
                    }
                    ::async_with::__private::Sites::Next(
                        ::async_with::__private::Sites::Next(never),
                    ) => match *never {}
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
            ) => match returned {}
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Jump(jump),
            ) => match jump {}
            ::core::result::Result::Ok(
                ::async_with::__private::AsyncWithBodyFlow::Return(returned),
            ) => {
                match __async_with_suppressed0 {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => match returned {}
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
                                return (::async_with::checks::CanReturnError::__async_with_leave)(
                                    ::async_with::checks::Fail {
                                        error: failure,
                                    }
                                        .leave(),
                                );
                            }
                            ::async_with::__private::Sites::Next(
                                ::async_with::__private::Sites::F0(failure),
                            ) => match failure? {}
                        }
                    }
                }
            }
        }
    }
}
