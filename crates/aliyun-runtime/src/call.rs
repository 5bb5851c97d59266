//! The entry points of a call: [`Runtime::invoke`] for an input built at
//! run time, [`Runtime::send_operation`] for generated `send` methods,
//! [`Runtime::presign`] for a signed request that is not sent. Each writes
//! the input's parameters, runs the attempt loop ([`crate::attempt`]) and
//! hands the result to the interceptors' `on_result` hooks.

use std::time::Instant;

use aliyun_codec::de::FromJson;
use aliyun_codec::metadata::OperationMetadata;
use aliyun_codec::parameters::flatten_parameters;
use aliyun_sign::signing::SignedRequest;
use serde::Serialize;
use tracing::Instrument as _;

use crate::attempt::{reject_reserved_names, AttemptCount};
use crate::error::{ConstructionError, SdkError, ServiceError};
use crate::interceptor::{CallOutcome, CallReport, ErrorKind};
use crate::operation_future::OperationFuture;
use crate::runtime::Runtime;

impl Runtime {
    /// Builds and signs the request for one call without sending it, for
    /// printing or sending by other means. Each call uses a fresh nonce and
    /// the current time. The interceptors' `before_signing` hooks run as
    /// for a first attempt, so the request is the one a call would send;
    /// their other hooks do not, since nothing is sent.
    pub async fn presign<I: Serialize + ?Sized>(
        &self,
        operation: &'static OperationMetadata,
        input: &I,
    ) -> Result<SignedRequest, ConstructionError> {
        let mut parameters = flatten_parameters(input)?;
        reject_reserved_names(&parameters)?;
        self.intercept(operation, 1, &mut parameters)?;
        let credentials = self.credentials().await?;
        Ok(self.sign(operation, &parameters, &credentials))
    }

    /// Sends one operation whose input is any `Serialize` value that
    /// flattens to parameters (a map, a JSON object, a struct), and decodes
    /// its response.
    pub async fn invoke<I, O, E>(
        &self,
        operation: &'static OperationMetadata,
        input: &I,
        parse_error: fn(&str) -> E,
    ) -> Result<O, SdkError<E>>
    where
        I: serde::Serialize + ?Sized,
        O: FromJson,
    {
        match flatten_parameters(input) {
            Ok(parameters) => {
                self.invoke_with_parameters(operation, parameters, parse_error)
                    .await
            }
            Err(error) => self.conclude(
                operation,
                Err(SdkError::Construction(error)),
                0,
                Instant::now(),
            ),
        }
    }

    /// What a generated operation's `send` returns: the future that sends
    /// the operation, with its input's wire parameters (or why they could
    /// not be written, reported as [`SdkError::Construction`]), and decodes
    /// its response.
    ///
    /// It takes the runtime by value so that the future owns all it needs.
    /// Generated `send` methods are plain functions returning this named
    /// future rather than `async fn`s or `impl Future` of their own:
    /// compiling either per operation was the largest part of the client
    /// crate's build. Used by generated code only, hence hidden and exempt
    /// from semver.
    ///
    /// Never inlined: in an optimized build, inlining the boxing of the
    /// call into each of hundreds of `#[inline]` `send` methods made the
    /// compiler's MIR inliner the largest cost of the client crate.
    #[doc(hidden)]
    #[inline(never)]
    pub fn send_operation<O, E>(
        self,
        operation: &'static OperationMetadata,
        parameters: Result<Vec<(String, String)>, ConstructionError>,
        parse_error: fn(&str) -> E,
    ) -> OperationFuture<O, E>
    where
        O: FromJson + Send + 'static,
        E: Send + 'static,
    {
        OperationFuture::new(async move {
            match parameters {
                Ok(parameters) => {
                    self.invoke_with_parameters(operation, parameters, parse_error)
                        .await
                }
                Err(error) => self.conclude(
                    operation,
                    Err(SdkError::Construction(error)),
                    0,
                    Instant::now(),
                ),
            }
        })
    }

    /// Sends one operation with its wire parameters already flattened (what
    /// generated inputs' `to_parameters` gives), and decodes its response:
    /// the one attempt loop behind [`Runtime::invoke`], generated `send`
    /// methods and waiters.
    pub(crate) async fn invoke_with_parameters<O, E>(
        &self,
        operation: &'static OperationMetadata,
        parameters: Vec<(String, String)>,
        parse_error: fn(&str) -> E,
    ) -> Result<O, SdkError<E>>
    where
        O: FromJson,
    {
        let started = Instant::now();
        if let Err(error) = reject_reserved_names(&parameters) {
            return self.conclude(operation, Err(SdkError::Construction(error)), 0, started);
        }
        if let Some(invalid) = &self.call.invalid_endpoint {
            let error = ConstructionError::invalid_configuration(format!(
                "the endpoint override of this call cannot be used: {invalid}"
            ));
            return self.conclude(operation, Err(SdkError::Construction(error)), 0, started);
        }
        let span = tracing::info_span!(
            "aliyun.operation",
            product = self.inner.product.code,
            operation = operation.name,
            attempts = tracing::field::Empty,
        );
        let deadline = Instant::now() + self.call.timeouts.operation;
        let mut timer = self.inner.timers.timer(deadline);
        let mut attempts = AttemptCount::default();
        let result = self
            .run_attempts(
                operation,
                &parameters,
                parse_error,
                &mut timer,
                deadline,
                &mut attempts,
            )
            .instrument(span)
            .await;
        timer.recycle();
        self.conclude(operation, result, attempts.sent, started)
    }

    /// Hands a call's result to the interceptors' `on_result` hooks, and
    /// returns it.
    fn conclude<O, E>(
        &self,
        operation: &'static OperationMetadata,
        result: Result<O, SdkError<E>>,
        attempts: u32,
        started: Instant,
    ) -> Result<O, SdkError<E>> {
        if !self.call.interceptors.is_empty() {
            let outcome = match &result {
                Ok(_) => CallOutcome::Success,
                Err(error) => CallOutcome::Error {
                    kind: ErrorKind::of(error),
                    code: error.as_service_error().map(ServiceError::code),
                    http_status: error.http_status(),
                },
            };
            self.call.interceptors.on_result(&CallReport {
                operation,
                outcome,
                attempts,
                duration: started.elapsed(),
            });
        }
        result
    }
}
