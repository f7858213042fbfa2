//! The actix-web application and server.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use stheno_framework::Container;
use stheno_framework::config::WorkerMode;

use crate::auth::{AuthState, authenticate};
use crate::middleware::{cors, observe, run_hooks};
use crate::routes::{Namespace, Routes, all_routes};

/// `GET /health`: 200 `OK` once the app is serving.
async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("OK")
}

/// Unknown routes answer like Express: 404 `Cannot GET /path`.
async fn not_found(req: HttpRequest) -> HttpResponse {
    let text = format!("Cannot {} {}", req.method(), req.path());
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body(text)
}

fn scope_routes(routes: &[Routes], ns: Namespace) -> impl Fn(&mut web::ServiceConfig) + '_ {
    move |cfg| {
        for r in routes.iter().filter(|r| r.namespace == ns) {
            (r.configure)(cfg);
        }
    }
}

/// The whole application: namespaces with their middleware, every registered
/// route, `/health`, and the Express-style 404.
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
    let routes = if container.config().worker_mode == WorkerMode::Worker {
        Vec::new()
    } else {
        all_routes(&explicit)
    };
    let http = container.config().http.clone();
    App::new()
        .app_data(web::Data::new(container))
        .wrap(Compress::default())
        .wrap(from_fn(observe))
        .route("/health", web::get().to(health))
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
