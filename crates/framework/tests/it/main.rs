//! Framework integration tests against a real PostgreSQL.

use std::sync::Arc;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use stheno_framework::config::Config;
use stheno_framework::database::{self, DbUrl};
use stheno_framework::testing::{TestDb, server_url};
use stheno_framework::{BootError, boot};
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::events::LogEventBus;
use stheno_module_sdk::prelude::*;

/// A small module with one migration, as a user would write it.
struct WidgetModule {
    db: DbPool,
}

#[async_trait]
impl Module for WidgetModule {
    const KEY: &'static str = "widget";
    const MIGRATIONS: Option<Migrations> = Some(diesel_migrations::embed_migrations!(
        "tests/migrations/widget"
    ));
    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(Self {
            db: ctx.db().clone(),
        })
    }
}
stheno_module_sdk::register_module!(WidgetModule);

/// Needs a module nobody registered.
struct NeedsPricing;
#[async_trait]
impl Module for NeedsPricing {
    const KEY: &'static str = "needs-pricing";
    const DEPENDS_ON: &'static [&'static str] = &["pricing"];
    async fn build(_: &ModuleContext) -> Result<Self> {
        Ok(Self)
    }
}
static NEEDS_PRICING: stheno_module_sdk::ModuleRegistration =
    stheno_module_sdk::ModuleRegistration::of::<NeedsPricing>("needs-pricing");

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    module: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "widget"));
}

#[tokio::test(flavor = "multi_thread")]
async fn boot_migrates_once_and_tracks_per_module() {
    // A brand-new database name: boot must create it.
    let server = DbUrl::parse(&server_url()).unwrap();
    let name = format!("stheno_boot_{}", std::process::id());
    let config = Config {
        database_url: server.with_name(&name),
        ..Config::default()
    };
    let container = boot(config.clone(), &[], Arc::new(LogEventBus))
        .await
        .unwrap();
    let widget = container.require::<WidgetModule>().unwrap();
    let mut conn = widget.db.get().await.unwrap();
    diesel::sql_query("INSERT INTO widget (id, name) VALUES ('w1', 'gear')")
        .execute(&mut conn)
        .await
        .unwrap();
    let rows: Vec<Row> = diesel::sql_query("SELECT module FROM stheno_migrations")
        .load(&mut conn)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.module == "widget"));
    assert_eq!(rows.len(), 1);
    drop(conn);

    // Booting again applies nothing and keeps the data.
    let again = stheno_framework::boot::migrate(&config, &[]).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    let mut conn = widget.db.get().await.unwrap();
    let count: Count = diesel::sql_query("SELECT count(*) AS n FROM widget")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(count.n, 1);
    drop(conn);
    drop(widget);
    drop(container);
    let mut admin = diesel_async::AsyncPgConnection::establish(&server.with_name("postgres"))
        .await
        .unwrap();
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
}

use diesel_async::AsyncConnection;

#[tokio::test(flavor = "multi_thread")]
async fn missing_dependency_fails_boot_with_the_crate_name() {
    let db = TestDb::new().await.unwrap();
    let err = boot(db.config(), &[&NEEDS_PRICING], Arc::new(LogEventBus))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, BootError::Load(_)));
    assert!(err.to_string().contains("`stheno-pricing` crate"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_database_is_one_clear_line() {
    let config = Config {
        database_url: "postgres://postgres:pw@127.0.0.1:1/stheno".into(),
        ..Config::default()
    };
    let err = boot(config, &[], Arc::new(LogEventBus))
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:1/stheno"
        ),
        "{text}"
    );
    assert!(text.contains("DATABASE_URL"), "{text}");
    assert!(!text.contains("pw@"), "password leaked: {text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn test_databases_are_isolated_and_counted() {
    let a = TestDb::new().await.unwrap();
    let b = TestDb::new().await.unwrap();
    assert_ne!(a.name(), b.name());
    let mut conn = a.pool().get().await.unwrap();
    let ((), n) = QueryCounter::scope(async {
        diesel::sql_query("INSERT INTO widget (id, name) VALUES ('w', 'x')")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .unwrap();
    })
    .await;
    assert_eq!(n, 2, "two statements counted");
    let mut conn_b = b.pool().get().await.unwrap();
    let count: Count = diesel::sql_query("SELECT count(*) AS n FROM widget")
        .get_result(&mut conn_b)
        .await
        .unwrap();
    assert_eq!(count.n, 0);
    let _ = database::redact("x");
}
