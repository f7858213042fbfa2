//! Test support: a migrated database per test and the real application
//! in-process.
//!
//! `admin_*` requests carry a real admin's token: with the user and auth
//! modules linked (feature `default-modules`) the harness creates a user
//! `admin@stheno.test` and its identity and mints a JWT for it; without
//! them it mints a token for a synthetic `user_test`, which the `/admin`
//! guard accepts just the same.
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

/// The JWT secret of test apps.
pub const JWT_SECRET: &str = "test-jwt-secret";
/// The email of the admin user test apps create.
pub const ADMIN_EMAIL: &str = "admin@stheno.test";

/// An application on its own database, answering requests in-process.
pub struct TestApp {
    pub container: Container,
    pub events: Arc<RecordingEventBus>,
    routes: Vec<stheno_http::Routes>,
    admin_token: String,
    /// The publishable key `/store` requests send (`x-publishable-api-key`),
    /// linked to [`TestApp::sales_channel_id`]; `None` without the API-key
    /// and sales-channel modules.
    pub publishable_key: Option<String>,
    /// The sales channel of [`TestApp::publishable_key`].
    pub sales_channel_id: Option<String>,
    // Dropped last: the database outlives the pool users above.
    pub db: TestDb,
}

/// A streaming response opened by [`TestApp::admin_stream`].
pub struct TestStream {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    body: actix_web::body::BoxBody,
}

impl TestStream {
    /// The whole body, once the stream ends; `None` if it has not ended
    /// within `limit`.
    pub async fn text(self, limit: std::time::Duration) -> Option<String> {
        let bytes = tokio::time::timeout(limit, actix_web::body::to_bytes(self.body))
            .await
            .ok()?
            .ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
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
        config.http.jwt_secret = Some(stheno_framework::config::Secret::new(JWT_SECRET));
        config.http.query_count_header = true;
        config.database_pool_size = 8;
        let events = Arc::new(RecordingEventBus::default());
        let app = make(config).event_bus(events.clone());
        let container = app.build().await.map_err(|e| e.to_string())?;
        let admin_token = admin_token(&container).await?;
        let (publishable_key, sales_channel_id) = match storefront_key(&container).await? {
            Some((key, channel)) => (Some(key), Some(channel)),
            None => (None, None),
        };
        // Tests see only the events of their own requests.
        events.take();
        Ok(Self {
            container,
            events,
            routes: app.explicit_routes().to_vec(),
            admin_token,
            publishable_key,
            sales_channel_id,
            db,
        })
    }

    /// The bearer token `admin_*` requests send.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// Send any request (custom headers, cookies, another token).
    pub async fn send(&self, req: TestRequest) -> TestResponse {
        let service = test::init_service(stheno_http::server::app(
            self.container.clone(),
            self.routes.clone(),
        ))
        .await;
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

    /// Open a streaming admin `GET` (Server-Sent Events): the status and
    /// headers now, the body with [`TestStream::text`] while other requests
    /// run.
    pub async fn admin_stream(&self, path: &str) -> TestStream {
        let service = test::init_service(stheno_http::server::app(
            self.container.clone(),
            self.routes.clone(),
        ))
        .await;
        let req = TestRequest::get()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {}", self.admin_token)));
        let res = test::call_service(&service, req.to_request()).await;
        TestStream {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: actix_web::body::MessageBody::boxed(res.into_body()),
        }
    }

    /// Send a request with `Authorization: Bearer <token>` (when given) and
    /// a JSON body (when given).
    pub async fn request_as(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> TestResponse {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(key) = self
            .publishable_key
            .as_deref()
            .filter(|_| path.starts_with("/store"))
        {
            req = req.insert_header(("x-publishable-api-key", key));
        }
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            req = req
                .insert_header(("content-type", "application/json"))
                .set_payload(body.to_string());
        }
        self.send(req).await
    }

    /// Send a request; `admin` adds the test admin's bearer token.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        admin: bool,
    ) -> TestResponse {
        let token = admin.then_some(self.admin_token.as_str());
        self.request_as(method, path, body, token).await
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
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("authorization", format!("Bearer {}", self.admin_token)))
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        let mut res = self.send(req).await;
        res.queries = 0;
        res
    }
    pub async fn admin_delete(&self, path: &str) -> TestResponse {
        self.request(Method::DELETE, path, None, true).await
    }
}

/// A sales channel, a publishable key linked to it and a store whose
/// default channel it is, as a storefront's setup has them (API-key and
/// sales-channel modules linked).
#[cfg(all(feature = "api-key", feature = "sales-channel"))]
async fn storefront_key(container: &Container) -> TestResult<Option<(String, String)>> {
    use stheno_api_key::{ApiKeyModule, ApiKeyType, NewApiKey};
    use stheno_sales_channel::{CreateSalesChannel, SalesChannelModule};
    let (Ok(keys), Ok(channels)) = (
        container.module::<ApiKeyModule>(),
        container.module::<SalesChannelModule>(),
    ) else {
        return Ok(None);
    };
    let channel = channels
        .sales_channels()
        .create_one(CreateSalesChannel::new("Default Sales Channel"))
        .await
        .map_err(|e| e.to_string())?;
    let key = keys
        .create_api_key(NewApiKey {
            title: "Test storefront".into(),
            r#type: ApiKeyType::Publishable,
            created_by: "test".into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    container
        .links()
        .create(
            "api_key",
            &key.api_key.id,
            "sales_channel",
            std::slice::from_ref(&channel.id),
        )
        .await
        .map_err(|e| e.to_string())?;
    // The store: its default channel is where new products go.
    #[cfg(feature = "store")]
    if let Ok(stores) = container.module::<stheno_store::StoreModule>() {
        let store: stheno_store::NewStore = serde_json::from_value(serde_json::json!({
            "default_sales_channel_id": channel.id,
            "supported_currencies": [{"currency_code": "eur", "is_default": true}, {"currency_code": "usd"}]
        }))
        .map_err(|e| e.to_string())?;
        stores
            .create_stores(vec![store])
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(Some((key.raw_token, channel.id)))
}

#[cfg(not(all(feature = "api-key", feature = "sales-channel")))]
async fn storefront_key(_: &Container) -> TestResult<Option<(String, String)>> {
    Ok(None)
}

/// A token for the test admin: a real user and identity when the user and
/// auth modules are there, else a synthetic admin.
async fn admin_token(container: &Container) -> TestResult<String> {
    use stheno_http::{AuthContext, AuthState};
    let (identity_id, app_metadata) = real_admin(container).await?.unwrap_or_else(|| {
        let mut m = serde_json::Map::new();
        m.insert("user_id".into(), Value::String("user_test".into()));
        ("authid_test".into(), m)
    });
    let ctx = AuthContext::for_identity(
        &identity_id,
        "user",
        Some("emailpass"),
        app_metadata,
        Default::default(),
    );
    Ok(AuthState::of(container)
        .tokens
        .issue(ctx)
        .map_err(|e| e.to_string())?)
}

type Identity = (String, serde_json::Map<String, Value>);

#[cfg(all(feature = "user", feature = "auth"))]
async fn real_admin(container: &Container) -> TestResult<Option<Identity>> {
    if container.module::<stheno_user::UserModule>().is_err()
        || container.module::<stheno_auth::AuthModule>().is_err()
    {
        return Ok(None);
    }
    let (_, identity) = crate::users::create_admin_user(container, ADMIN_EMAIL, None)
        .await
        .map_err(|e| e.to_string())?;
    let metadata = identity.app_metadata_map();
    Ok(Some((identity.id, metadata)))
}

#[cfg(not(all(feature = "user", feature = "auth")))]
async fn real_admin(_container: &Container) -> TestResult<Option<Identity>> {
    Ok(None)
}
