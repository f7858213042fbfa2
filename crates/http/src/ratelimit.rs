//! Fixed-window rate limiting: in Redis when configured (shared by every
//! instance), else in process memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts hits per key in fixed windows.
pub struct RateLimiter {
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
    redis: Option<deadpool_redis::Pool>,
}

impl RateLimiter {
    /// Counters in process memory.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            counts: Mutex::default(),
            redis: None,
        }
    }

    /// Counters in Redis (`stheno:rl:<key>`), so every instance sees the same
    /// counts. If Redis fails, the memory counters take over (logged).
    pub fn with_redis(window: Duration, pool: deadpool_redis::Pool) -> Self {
        Self {
            redis: Some(pool),
            ..Self::new(window)
        }
    }

    pub fn is_redis(&self) -> bool {
        self.redis.is_some()
    }

    /// Count a hit on `key`; past `limit` hits in the current window, the
    /// time until it ends. A limit of 0 never limits.
    pub async fn hit(&self, key: &str, limit: u32) -> Result<(), Duration> {
        if limit == 0 {
            return Ok(());
        }
        if let Some(pool) = &self.redis {
            match self.hit_redis(pool, key).await {
                Ok((count, ttl)) if count > u64::from(limit) => return Err(ttl),
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::error!(error = %e, "rate limit: Redis failed, counting in memory")
                }
            }
        }
        self.hit_memory(key, limit)
    }

    async fn hit_redis(
        &self,
        pool: &deadpool_redis::Pool,
        key: &str,
    ) -> Result<(u64, Duration), String> {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        let key = format!("stheno:rl:{key}");
        let window_ms = self.window.as_millis().max(1) as u64;
        // Start the window with the first hit, then count; one round trip.
        let (_, count, ttl): (Option<String>, u64, i64) = deadpool_redis::redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&key)
            .arg(0)
            .arg("PX")
            .arg(window_ms)
            .arg("NX")
            .cmd("INCR")
            .arg(&key)
            .cmd("PTTL")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok((count, Duration::from_millis(ttl.max(0) as u64)))
    }

    fn hit_memory(&self, key: &str, limit: u32) -> Result<(), Duration> {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() > 50_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_per_key_and_window() {
        let l = RateLimiter::new(Duration::from_millis(50));
        assert!(l.hit("a", 2).await.is_ok());
        assert!(l.hit("a", 2).await.is_ok());
        assert!(l.hit("a", 2).await.is_err());
        assert!(l.hit("b", 2).await.is_ok());
        assert!(l.hit("c", 0).await.is_ok());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(l.hit("a", 2).await.is_ok());
    }

    #[tokio::test]
    async fn redis_counters_are_shared_and_expire() {
        let pool = deadpool_redis::Config::from_url("redis://127.0.0.1:6379")
            .create_pool(Some(deadpool_redis::Runtime::Tokio1))
            .unwrap();
        let key = format!("test:{}", crate::auth::random_id());
        let a = RateLimiter::with_redis(Duration::from_millis(300), pool.clone());
        let b = RateLimiter::with_redis(Duration::from_millis(300), pool);
        assert!(a.hit(&key, 2).await.is_ok());
        assert!(b.hit(&key, 2).await.is_ok());
        let wait = a.hit(&key, 2).await.unwrap_err();
        assert!(
            wait <= Duration::from_millis(300) && wait > Duration::ZERO,
            "{wait:?}"
        );
        assert!(
            b.hit(&key, 2).await.is_err(),
            "the other instance sees the count"
        );
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(b.hit(&key, 2).await.is_ok());
    }
}
