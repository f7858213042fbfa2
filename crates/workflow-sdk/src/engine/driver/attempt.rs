//! One step's attempts: each bounded by the step's timeout, a retryable
//! failure retried with backoff while `max_retries` allows, a panic turned
//! into a permanent failure; and what a failure that ends the attempts means
//! for the step.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use stheno_module_sdk::{Error, ErrorKind};

use super::Run;
use crate::execution::StepState;
use crate::step::{StepError, StepOptions};

/// Why a step's last attempt failed.
pub(super) enum AttemptFailure {
    Error(StepError),
    Timeout(Duration),
}

/// Run `attempt` (numbered from `first`) until it succeeds, fails
/// permanently, times out or runs out of retries. Returns the attempts made.
pub(super) async fn with_retries<T, F, Fut>(
    options: &StepOptions,
    step: &str,
    first: u32,
    mut attempt: F,
) -> (Result<T, AttemptFailure>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let mut number = first;
    loop {
        let result = match options.timeout {
            Some(limit) => match tokio::time::timeout(limit, attempt(number)).await {
                Ok(result) => result.map_err(AttemptFailure::Error),
                Err(_) => Err(AttemptFailure::Timeout(limit)),
            },
            None => attempt(number).await.map_err(AttemptFailure::Error),
        };
        match result {
            Ok(value) => return (Ok(value), number),
            Err(AttemptFailure::Error(err))
                if err.is_retryable() && number <= options.max_retries =>
            {
                let delay = options.backoff(number);
                tracing::warn!(step, attempt = number, ?delay, error = %err, "step failed, retrying");
                tokio::time::sleep(delay).await;
                number += 1;
            }
            Err(failure) => return (Err(failure), number),
        }
    }
}

/// A panicking step fails permanently instead of unwinding through the run,
/// so the steps before it are still compensated.
pub(super) async fn caught<T>(
    step: &str,
    attempt: impl Future<Output = Result<T, StepError>>,
) -> Result<T, StepError> {
    match AssertUnwindSafe(attempt).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(StepError::permanent(Error::internal(format!(
            "step {step} panicked"
        )))),
    }
}

impl Run {
    /// The state step `name` ends in after `failure`, and the error to record.
    pub(super) fn failure(&self, name: &str, failure: AttemptFailure) -> (StepState, Error) {
        match failure {
            AttemptFailure::Error(err) if err.is_awaiting() => (
                StepState::Failed,
                Error::internal(format!(
                    "step {name} answered awaiting_response but is not asynchronous"
                )),
            ),
            AttemptFailure::Error(err) => (StepState::Failed, err.into_error()),
            AttemptFailure::Timeout(limit) => (
                StepState::Timeout,
                Error::new(
                    ErrorKind::UnexpectedState,
                    format!(
                        "Step {name} of workflow {} timed out after {} ms",
                        self.def.name,
                        limit.as_millis()
                    ),
                )
                .with_code("step_timeout"),
            ),
        }
    }
}
