//! Lock steps: hold named locks for part of a workflow (Medusa's
//! `acquire-lock-step` / `release-lock-step`), against the engine's
//! [`Locking`](stheno_module_sdk::locking::Locking) provider. The lock owner
//! is the run's transaction id.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use stheno_module_sdk::Error;

use crate::step::{Data, Step, StepContext, StepError, StepResponse};

type Keys<T> = Arc<dyn Fn(&T) -> Vec<String> + Send + Sync>;

/// Takes the keys computed from the current value and passes the value on;
/// compensation releases them. Both lock steps do nothing when the workflow
/// runs nested in another (the parent holds the lock), unless
/// [`on_sub_workflow`](Self::on_sub_workflow) says otherwise.
pub struct AcquireLock<T> {
    keys: Keys<T>,
    timeout: Duration,
    retry_interval: Duration,
    ttl: Option<Duration>,
    on_sub_workflow: bool,
    _t: PhantomData<fn(T)>,
}

/// `acquire-lock-step` on the keys `keys` computes. Default: one try
/// (timeout 0), retry every 300 ms within the timeout, no ttl.
pub fn acquire_lock<T: Data>(
    keys: impl Fn(&T) -> Vec<String> + Send + Sync + 'static,
) -> AcquireLock<T> {
    AcquireLock {
        keys: Arc::new(keys),
        timeout: Duration::ZERO,
        retry_interval: Duration::from_millis(300),
        ttl: None,
        on_sub_workflow: false,
        _t: PhantomData,
    }
}

impl<T> AcquireLock<T> {
    /// Keep trying for this long before failing with `conflict`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }
    /// The lock expires after `ttl` even if never released.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }
    /// Also lock when running as a nested workflow.
    pub fn on_sub_workflow(mut self) -> Self {
        self.on_sub_workflow = true;
        self
    }
}

fn skip(ctx: &StepContext, on_sub_workflow: bool) -> bool {
    ctx.parent_step().is_some() && !on_sub_workflow
}

#[async_trait]
impl<T: Data> Step for AcquireLock<T> {
    type Input = T;
    type Output = T;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "acquire-lock-step"
    }

    async fn invoke(
        &self,
        value: T,
        ctx: &StepContext,
    ) -> Result<StepResponse<T, Vec<String>>, StepError> {
        if skip(ctx, self.on_sub_workflow) {
            return Ok(StepResponse::with_compensation(value, Vec::new()));
        }
        let keys = (self.keys)(&value);
        let owner = ctx.transaction_id();
        let started = Instant::now();
        loop {
            if ctx.locking().try_acquire(&keys, owner, self.ttl).await? {
                return Ok(StepResponse::with_compensation(value, keys));
            }
            if started.elapsed() >= self.timeout {
                return Err(StepError::permanent(Error::conflict(format!(
                    "Failed to acquire lock for key \"{}\"",
                    keys.join(", ")
                ))));
            }
            tokio::time::sleep(self.retry_interval).await;
        }
    }

    async fn compensate(&self, keys: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !keys.is_empty() {
            ctx.locking().release(&keys, ctx.transaction_id()).await?;
        }
        Ok(())
    }
}

/// Releases the keys `keys` computes and passes the value on; nothing to
/// compensate.
pub struct ReleaseLock<T> {
    keys: Keys<T>,
    on_sub_workflow: bool,
    _t: PhantomData<fn(T)>,
}

/// `release-lock-step` on the keys `keys` computes.
pub fn release_lock<T: Data>(
    keys: impl Fn(&T) -> Vec<String> + Send + Sync + 'static,
) -> ReleaseLock<T> {
    ReleaseLock {
        keys: Arc::new(keys),
        on_sub_workflow: false,
        _t: PhantomData,
    }
}

impl<T> ReleaseLock<T> {
    pub fn on_sub_workflow(mut self) -> Self {
        self.on_sub_workflow = true;
        self
    }
}

#[async_trait]
impl<T: Data> Step for ReleaseLock<T> {
    type Input = T;
    type Output = T;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "release-lock-step"
    }

    async fn invoke(&self, value: T, ctx: &StepContext) -> Result<StepResponse<T, ()>, StepError> {
        if !skip(ctx, self.on_sub_workflow) {
            let keys = (self.keys)(&value);
            ctx.locking().release(&keys, ctx.transaction_id()).await?;
        }
        Ok(StepResponse::with_compensation(value, ()))
    }
}
