impl Connection {
    async fn enter(&mut self) -> Result<&mut Self, io::Error> {
        self.open().await?;
        Ok(self)
    }
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), io::Error> {
        self.close().await
    }
    fn cancel(&mut self) {
        self.abort()
    }
}
impl ::async_with::AsyncContext for Connection {
    type Value<'__async_with_a> = &'__async_with_a mut Self where Self: '__async_with_a;
    type Error = <Result<
        fn(&mut Self),
        io::Error,
    > as ::async_with::__private::IntoResult>::Err;
    type Decision = ();
    fn enter(
        &mut self,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<Self::Value<'_>, Self::Error>,
    > {
        ::async_with::__private::forward(
            Self::enter(self),
            ::async_with::__private::IntoResult::into_result,
        )
    }
    #[allow(clippy::redundant_closure)]
    fn exit(
        &mut self,
        outcome: ::async_with::Outcome<'_>,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<Self::Decision, Self::Error>,
    > {
        ::async_with::__private::forward(
            Self::exit(self, outcome),
            |result| <_ as ::async_with::__private::SameError<
                <Result<
                    fn(&mut Self),
                    io::Error,
                > as ::async_with::__private::IntoResult>::Err,
            >>::into_same(result),
        )
    }
    fn cancel(&mut self) {
        Self::cancel(self)
    }
}
