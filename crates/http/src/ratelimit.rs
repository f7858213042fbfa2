//! Fixed-window rate limiting in memory (per process).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts hits per key in fixed windows.
pub struct RateLimiter {
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            counts: Mutex::default(),
        }
    }

    /// Count a hit on `key`; past `limit` hits in the current window, the
    /// time until it ends. A limit of 0 never limits.
    pub fn hit(&self, key: &str, limit: u32) -> Result<(), Duration> {
        if limit == 0 {
            return Ok(());
        }
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

    #[test]
    fn limits_per_key_and_window() {
        let l = RateLimiter::new(Duration::from_millis(50));
        assert!(l.hit("a", 2).is_ok());
        assert!(l.hit("a", 2).is_ok());
        assert!(l.hit("a", 2).is_err());
        assert!(l.hit("b", 2).is_ok());
        assert!(l.hit("c", 0).is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.hit("a", 2).is_ok());
    }
}
