//! Named locks shared by workflows and modules (Medusa's locking module).
//!
//! A lock is held by an *owner* (a workflow transaction id, a request id)
//! for at most its time-to-live; acquiring a key another owner holds fails
//! until it is released or expires. Acquiring again as the same owner
//! extends it. [`InMemoryLocking`] serves one process; the locking infra
//! module adds Redis and PostgreSQL providers behind the same trait.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use stheno_module_sdk::locking::{InMemoryLocking, Locking};
//!
//! let locks = InMemoryLocking::default();
//! let keys = ["cart_1".to_string()];
//! assert!(locks.try_acquire(&keys, "tx-a", Some(Duration::from_secs(10))).await.unwrap());
//! assert!(!locks.try_acquire(&keys, "tx-b", None).await.unwrap());
//! locks.release(&keys, "tx-a").await.unwrap();
//! assert!(locks.try_acquire(&keys, "tx-b", None).await.unwrap());
//! # }
//! ```

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::Result;

#[async_trait]
pub trait Locking: Send + Sync {
    /// Take every key for `owner`, all or none. `ttl` bounds how long the
    /// lock lives if never released (`None`: until released).
    async fn try_acquire(
        &self,
        keys: &[String],
        owner: &str,
        ttl: Option<Duration>,
    ) -> Result<bool>;

    /// Release the keys `owner` holds; keys held by others are left alone.
    async fn release(&self, keys: &[String], owner: &str) -> Result<()>;
}

/// Locks in this process's memory.
#[derive(Debug, Default)]
pub struct InMemoryLocking {
    held: Mutex<HashMap<String, (String, Option<Instant>)>>,
}

#[async_trait]
impl Locking for InMemoryLocking {
    async fn try_acquire(
        &self,
        keys: &[String],
        owner: &str,
        ttl: Option<Duration>,
    ) -> Result<bool> {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let free = |key: &String| match held.get(key) {
            None => true,
            Some((holder, expires)) => holder == owner || expires.is_some_and(|at| at <= now),
        };
        if !keys.iter().all(free) {
            return Ok(false);
        }
        let expires = ttl.map(|ttl| now + ttl);
        for key in keys {
            held.insert(key.clone(), (owner.to_string(), expires));
        }
        Ok(true)
    }

    async fn release(&self, keys: &[String], owner: &str) -> Result<()> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            if held.get(key).is_some_and(|(holder, _)| holder == owner) {
                held.remove(key);
            }
        }
        Ok(())
    }
}
