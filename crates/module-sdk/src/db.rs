//! The database pool every module receives, and the SQL query counter.
//!
//! Every connection handed out by [`connect`] counts the statements it runs.
//! Inside [`QueryCounter::scope`] the statements of that task are counted
//! separately, which is how the HTTP layer reports queries per request and how
//! tests assert "no N+1".

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

/// The pool type injected into modules.
pub type DbPool = Pool<AsyncPgConnection>;
/// A pooled connection (derefs to `AsyncPgConnection`).
pub type DbConn = Object<AsyncPgConnection>;

static TOTAL_QUERIES: AtomicU64 = AtomicU64::new(0);

tokio::task_local! {
    static SCOPE: Arc<AtomicU64>;
}

/// Counts SQL statements: process-wide and per task scope.
pub struct QueryCounter;

impl QueryCounter {
    /// Statements run by this process since start.
    pub fn total() -> u64 {
        TOTAL_QUERIES.load(Ordering::Relaxed)
    }

    /// Run `fut`, counting the statements it executes (on this task).
    /// Returns the output and the count.
    pub async fn scope<F: Future>(fut: F) -> (F::Output, u64) {
        let counter = Arc::new(AtomicU64::new(0));
        let out = SCOPE.scope(counter.clone(), fut).await;
        (out, counter.load(Ordering::Relaxed))
    }

    /// Like [`QueryCounter::scope`] but with a counter the caller keeps, so the
    /// value can be read while or after the future runs.
    pub async fn scope_with<F: Future>(counter: Arc<AtomicU64>, fut: F) -> F::Output {
        SCOPE.scope(counter, fut).await
    }

    fn record() {
        TOTAL_QUERIES.fetch_add(1, Ordering::Relaxed);
        let _ = SCOPE.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
    }
}

fn counting_instrumentation() -> impl Instrumentation {
    |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            QueryCounter::record();
        }
    }
}

/// Errors building the pool (bad URL or size); connection failures surface on
/// first use and are reported by the framework with the URL and a hint.
#[derive(Debug, thiserror::Error)]
#[error("could not build the database pool: {0}")]
pub struct PoolBuildError(String);

/// A pool of `max_size` connections to `url`, with query counting.
pub fn connect(url: &str, max_size: usize) -> Result<DbPool, PoolBuildError> {
    let mut config = ManagerConfig::default();
    // `Fast`: no `SELECT 1` on every checkout (a round trip per request that
    // would also show in query counts); broken connections are still
    // detected and dropped by diesel-async.
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(|url| {
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.set_instrumentation(counting_instrumentation());
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| PoolBuildError(e.to_string()))
}
