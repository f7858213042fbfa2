//! Domain events. Modules emit through [`EventBus`]; the event-bus
//! infrastructure module implements it (in-memory or Redis). Until a bus is
//! configured the framework installs [`LogEventBus`].
//!
//! Names follow Medusa: module events are `<module>.<entity>.<action>`
//! (`product.product.created`), workflow events `<entity>.<action>`
//! (`product.created`). Payloads are `{id}`.

use std::future::Future;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub name: String,
    pub data: Value,
}

impl Event {
    pub fn new(name: impl Into<String>, data: Value) -> Self {
        Self {
            name: name.into(),
            data,
        }
    }

    /// One `{id}` event per id: what Medusa's entity events carry.
    pub fn for_ids<'a>(name: &str, ids: impl IntoIterator<Item = &'a str>) -> Vec<Event> {
        ids.into_iter()
            .map(|id| Event::new(name, serde_json::json!({ "id": id })))
            .collect()
    }
}

#[async_trait]
pub trait EventBus: Send + Sync {
    async fn emit(&self, events: Vec<Event>) -> Result<()>;
}

/// Writes events to the log at `debug` level and drops them.
#[derive(Debug, Default)]
pub struct LogEventBus;

#[async_trait]
impl EventBus for LogEventBus {
    async fn emit(&self, events: Vec<Event>) -> Result<()> {
        for event in events {
            let data = redacted(&event.data);
            tracing::debug!(event = %event.name, data = %data, "event emitted");
        }
        Ok(())
    }
}

/// `data` with the values of secret-looking keys (`token`, `password`,
/// `secret`, anywhere in the name) replaced, for logs: events such as
/// `auth.password_reset` carry a token a subscriber mails, which must not end
/// up in log files.
pub fn redacted(data: &Value) -> Value {
    match data {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = k.to_ascii_lowercase();
                    let secret = ["token", "password", "secret"]
                        .iter()
                        .any(|s| key.contains(s));
                    let v = if secret {
                        Value::String("<redacted>".into())
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// Keeps every event, for tests.
#[derive(Debug, Default)]
pub struct RecordingEventBus {
    events: Mutex<Vec<Event>>,
}

impl RecordingEventBus {
    /// Events recorded so far, oldest first; the record is cleared.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()))
    }
    /// Names of the recorded events, without clearing.
    pub fn names(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|e| e.name.clone())
            .collect()
    }
}

#[async_trait]
impl EventBus for RecordingEventBus {
    async fn emit(&self, events: Vec<Event>) -> Result<()> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(events);
        Ok(())
    }
}

tokio::task_local! {
    static HELD: Arc<Mutex<Vec<Event>>>;
}

/// Run `work` with every event emitted through a [`HoldingEventBus`] on this
/// task collected into `sink` instead of delivered. The workflow engine runs
/// each step this way, so the events modules emit inside a step are released
/// only if the whole workflow succeeds. Work spawned onto other tasks is not
/// covered.
pub async fn holding<F: Future>(sink: Arc<Mutex<Vec<Event>>>, work: F) -> F::Output {
    HELD.scope(sink, work).await
}

/// The bus modules receive: delivers through the inner bus, except inside
/// [`holding`], where events are collected for the caller to release later.
pub struct HoldingEventBus {
    inner: Arc<dyn EventBus>,
}

impl HoldingEventBus {
    pub fn new(inner: Arc<dyn EventBus>) -> Self {
        Self { inner }
    }
}

#[async_trait]
impl EventBus for HoldingEventBus {
    async fn emit(&self, events: Vec<Event>) -> Result<()> {
        match HELD.try_with(Arc::clone) {
            Ok(sink) => {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(events);
                Ok(())
            }
            Err(_) => self.inner.emit(events).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_for_logs() {
        let data = serde_json::json!({
            "entity_id": "a@b.c",
            "token": "eyJ…",
            "nested": [{"reset_token": "x", "id": 1}],
            "metadata": {"Password": "p"}
        });
        assert_eq!(
            redacted(&data),
            serde_json::json!({
                "entity_id": "a@b.c",
                "token": "<redacted>",
                "nested": [{"reset_token": "<redacted>", "id": 1}],
                "metadata": {"Password": "<redacted>"}
            })
        );
    }
}
