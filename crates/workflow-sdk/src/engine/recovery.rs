//! Runs nobody drives any more: [`WorkflowEngine::recover`] resumes them (a
//! process that died, an asynchronous step past its deadline),
//! [`WorkflowEngine::purge`] deletes finished runs past their retention, and
//! [`WorkflowEngine::spawn_worker`] does both on an interval.

use std::time::Duration;

use chrono::Utc;
use stheno_module_sdk::Error;

use super::{Mode, WorkflowEngine};

impl WorkflowEngine {
    /// Resume every stored run nobody is driving: runs of a process that
    /// died (once their lease lapsed) and asynchronous steps past their
    /// deadline. Returns how many runs were picked up. Runs of workflows this
    /// engine does not know by name are left for an engine that does.
    pub async fn recover(&self) -> Result<usize, Error> {
        let due = self.inner.store.recoverable(Utc::now(), 100).await?;
        let mut resumed = 0;
        for (workflow_id, transaction_id) in due {
            let Ok(def) = self.workflow(&workflow_id) else {
                tracing::warn!(%workflow_id, %transaction_id, "cannot resume a run of an unregistered workflow");
                continue;
            };
            let execution = match self.take(&workflow_id, &transaction_id).await {
                Ok(execution) => execution,
                Err(error) => {
                    tracing::debug!(%workflow_id, %transaction_id, %error, "run picked up elsewhere");
                    continue;
                }
            };
            if execution.state.is_finished() {
                self.release(&execution).await;
                continue;
            }
            tracing::info!(%workflow_id, %transaction_id, state = execution.state.as_str(), "resuming a stored workflow run");
            self.drive(def, execution, Mode::Detached).await;
            resumed += 1;
        }
        Ok(resumed)
    }

    /// Delete finished runs past their retention.
    pub async fn purge(&self) -> Result<u64, Error> {
        self.inner.store.purge(Utc::now()).await
    }

    /// Recover and purge every `interval`, until the returned task is
    /// aborted. Run it in processes whose worker mode is `worker` or
    /// `shared`.
    pub fn spawn_worker(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(error) = engine.recover().await {
                    tracing::warn!(%error, "workflow recovery failed");
                }
                if let Err(error) = engine.purge().await {
                    tracing::warn!(%error, "workflow retention cleanup failed");
                }
            }
        })
    }
}
