//! Test support: a migrated database per test and the real application
//! in-process.
//!
//! ```no_run
//! # async fn t() -> stheno::framework::testing::TestResult<()> {
//! let app = stheno::testing::TestApp::new().await?;
//! let res = app.get("/store/products").await;
//! assert_eq!(res.status, 200);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use actix_web::http::Method;
use actix_web::test::{self, TestRequest};
use serde_json::Value;
use stheno_framework::Container;
pub use stheno_framework::testing::{TestDb, TestResult};
use stheno_module_sdk::events::RecordingEventBus;

use crate::App;

/// The bearer secret test apps accept on `/admin`.
pub const ADMIN_SECRET: &str = "test-admin-secret";

/// An application on its own database, answering requests in-process.
pub struct TestApp {
    pub container: Container,
    pub events: Arc<RecordingEventBus>,
    routes: Vec<stheno_http::Routes>,
    // Dropped last: the database outlives the pool users above.
    pub db: TestDb,
}

/// A response: status, parsed JSON body (or the text as a JSON string) and
/// the number of SQL statements the request ran.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub body: Value,
    pub queries: u64,
    pub headers: actix_web::http::header::HeaderMap,
}

impl TestApp {
    /// The default modules and routes on a fresh database.
    #[cfg(feature = "default-modules")]
    pub async fn new() -> TestResult<Self> {
        Self::from_app(|config| App::new(config).with_default_modules()).await
    }

    /// A custom application (`make` receives the test database's config).
    pub async fn from_app(make: impl FnOnce(stheno_framework::Config) -> App) -> TestResult<Self> {
        let db = TestDb::new().await?;
        let mut config = db.config();
        config.http.admin_secret = Some(ADMIN_SECRET.to_string());
        config.http.query_count_header = true;
        config.database_pool_size = 8;
        let events = Arc::new(RecordingEventBus::default());
        let app = make(config).event_bus(events.clone());
        let container = app.build().await.map_err(|e| e.to_string())?;
        Ok(Self {
            container,
            events,
            routes: app.explicit_routes().to_vec(),
            db,
        })
    }

    /// Send a request; `admin` adds the admin bearer secret.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        admin: bool,
    ) -> TestResponse {
        let service = test::init_service(stheno_http::server::app(
            self.container.clone(),
            self.routes.clone(),
        ))
        .await;
        let mut req = TestRequest::default().method(method).uri(path);
        if admin {
            req = req.insert_header(("authorization", format!("Bearer {ADMIN_SECRET}")));
        }
        if let Some(body) = body {
            req = req
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string());
        }
        let res = test::call_service(&service, req.to_request()).await;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let queries = headers
            .get("x-stheno-query-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let bytes = test::read_body(res).await;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        TestResponse {
            status,
            body,
            queries,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None, false).await
    }
    pub async fn admin_get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path, None, true).await
    }
    pub async fn admin_post(&self, path: &str, body: Value) -> TestResponse {
        self.request(Method::POST, path, Some(body), true).await
    }
    /// POST a raw (possibly malformed) body to an admin route.
    pub async fn admin_post_raw(&self, path: &str, body: &str) -> TestResponse {
        let service = test::init_service(stheno_http::server::app(
            self.container.clone(),
            self.routes.clone(),
        ))
        .await;
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {ADMIN_SECRET}")))
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string())
            .to_request();
        let res = test::call_service(&service, req).await;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        TestResponse {
            status,
            body,
            queries: 0,
            headers,
        }
    }
    pub async fn admin_delete(&self, path: &str) -> TestResponse {
        self.request(Method::DELETE, path, None, true).await
    }
}
