//! The actix-web application and server.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use stheno_framework::Container;
use stheno_framework::config::WorkerMode;
use stheno_module_sdk::Error;

use crate::ApiError;
use crate::auth::{AuthState, authenticate};
use crate::doc::{Doc, schema};
use crate::extract::{body_limit, payload_error};
use crate::middleware::{check_input, cors, observe, run_hooks};
use crate::openapi::{Documents, describe, serve_all, serve_one};
use crate::response::express_not_found;
use crate::routes::{Namespace, RouteSet, Routes, all_routes};

/// `GET /health`: 200 `OK` once the app is serving.
pub(crate) async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("OK")
}

/// Unknown routes answer like Express: 404 `Cannot GET /path`.
async fn not_found(req: HttpRequest) -> HttpResponse {
    express_not_found(&req)
}

// Errors of actix-web's own extractors (`web::Json`, `web::Form`,
// `web::Query`, `web::Path`), for routes that use them instead of
// `Body`/`ListQuery`: Medusa's format and wording, never actix's plain text.

fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let limit = body_limit(req);
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::payload_too_large(limit)
        }
        JsonPayloadError::ContentType => Error::invalid_data(
            "Invalid request: unsupported Content-Type; send the body as application/json",
        )
        .into(),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            Error::invalid_data(format!("Invalid request: {e}")).into()
        }
        JsonPayloadError::Deserialize(e) => {
            Error::invalid_data(format!("Invalid JSON in request body: {e}")).into()
        }
        JsonPayloadError::Payload(e) => payload_error(&e.into(), limit),
        other => Error::invalid_data(format!("Invalid request body: {other}")).into(),
    }
    .into()
}

fn form_error(err: UrlencodedError, req: &HttpRequest) -> actix_web::Error {
    let limit = body_limit(req);
    match err {
        UrlencodedError::Overflow { .. } => ApiError::payload_too_large(limit),
        UrlencodedError::Payload(e) => payload_error(&e.into(), limit),
        other => Error::invalid_data(format!("Invalid request body: {other}")).into(),
    }
    .into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::from(Error::invalid_data(format!("Invalid request: {err}"))).into()
}

fn path_error(err: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::from(Error::invalid_data(format!("Invalid request: {err}"))).into()
}

fn scope_routes(routes: &[Routes], ns: Namespace) -> impl Fn(&mut web::ServiceConfig) + '_ {
    move |cfg| {
        let mut set = RouteSet::mount(ns, cfg);
        for r in routes.iter().filter(|r| r.namespace == ns) {
            (r.configure)(&mut set);
        }
    }
}

/// The routes every server has: `/health` and the OpenAPI documents.
const BUILT_IN: Routes = Routes {
    namespace: Namespace::Root,
    name: "stheno_http::server::root_routes",
    configure: root_routes,
};

/// Every route the app serves, registered and `explicit` (none in worker
/// mode but the built-in ones).
pub fn app_routes(container: &Container, explicit: &[Routes]) -> Vec<Routes> {
    let mut routes = vec![BUILT_IN];
    if container.config().worker_mode != WorkerMode::Worker {
        routes.extend(all_routes(explicit));
    }
    routes
}

/// The whole application: namespaces with their middleware, every registered
/// route, `/health`, and the Express-style 404. Input is checked where it
/// enters: [`check_input`] rejects a path or query string with NUL,
/// non-UTF-8 or malformed percent-encoding and turns actix-web's own errors
/// into Medusa's format; bodies are limited to `http.body_limit` (413).
pub fn app(
    container: Container,
    explicit: Vec<Routes>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // A `worker` process runs background work only: it answers `/health`
    // and nothing else (Medusa's worker mode).
    let routes = app_routes(&container, &explicit);
    let documents = web::Data::new(Documents::new(describe(&routes)));
    let http = container.config().http.clone();
    let limit = http.body_limit;
    App::new()
        .app_data(web::Data::new(container))
        .app_data(documents)
        .app_data(web::PayloadConfig::new(limit))
        .app_data(
            web::JsonConfig::default()
                .limit(limit)
                .error_handler(json_error),
        )
        .app_data(
            web::FormConfig::default()
                .limit(limit)
                .error_handler(form_error),
        )
        .app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .wrap(from_fn(check_input))
        .wrap(Compress::default())
        .wrap(from_fn(observe))
        .service(
            web::scope("/store")
                .wrap(from_fn(run_hooks))
                .wrap(from_fn(authenticate))
                .wrap(cors(&http.store_cors))
                .configure(scope_routes(&routes, Namespace::Store)),
        )
        .service(
            web::scope("/admin")
                .wrap(from_fn(run_hooks))
                .wrap(from_fn(authenticate))
                .wrap(cors(&http.admin_cors))
                .configure(scope_routes(&routes, Namespace::Admin)),
        )
        .service(
            web::scope("/auth")
                .wrap(from_fn(run_hooks))
                .wrap(from_fn(authenticate))
                .wrap(cors(&http.auth_cors))
                .configure(scope_routes(&routes, Namespace::Auth)),
        )
        .configure(scope_routes(&routes, Namespace::Root))
        .default_service(web::to(not_found))
}

/// Serve until SIGINT/SIGTERM, then finish in-flight requests (graceful
/// shutdown, 30 s at most).
pub async fn serve(container: Container, explicit: Vec<Routes>) -> std::io::Result<()> {
    let config = container.config().clone();
    // Built now so a missing secret is reported at start-up.
    let _ = AuthState::of(&container);
    let workers = config.http.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let server = HttpServer::new(move || app(container.clone(), explicit.clone()))
        .workers(workers)
        .shutdown_timeout(30)
        .bind((config.host.as_str(), config.port))
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "cannot listen on {}:{}: {e}. Is another server running? Set PORT to use another port.",
                    config.host, config.port
                ),
            )
        })?;
    tracing::info!(host = %config.host, port = config.port, workers, "listening");
    server.run().await
}

/// `/health` and the OpenAPI documents (namespace root).
fn root_routes(r: &mut RouteSet) {
    r.get(
        "/health",
        health,
        Doc::new("Health check")
            .tag("Health")
            .empty_response(200, "The server is up"),
    )
    .get(
        "/openapi.json",
        serve_all,
        Doc::new("This OpenAPI document, every route")
            .tag("OpenAPI")
            .response(
                200,
                "An OpenAPI 3.1 document",
                schema(json!({"type": "object"})),
            ),
    )
    .get(
        "/openapi/{document}",
        serve_one,
        Doc::new("The OpenAPI document of one namespace: store.json, admin.json, auth.json")
            .tag("OpenAPI")
            .response(
                200,
                "An OpenAPI 3.1 document",
                schema(json!({"type": "object"})),
            ),
    );
}
