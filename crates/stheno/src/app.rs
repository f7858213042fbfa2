//! The application builder every Stheno binary uses.

use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use futures::future::BoxFuture;
use stheno_framework::cli::{Cli, Command, DbCommand, UserCommand};
use stheno_framework::generate::Outcome;
use stheno_framework::{Config, Container};
use stheno_http::Routes;
use stheno_module_sdk::events::{EventBus, LogEventBus};
use stheno_module_sdk::{Module, ModuleRegistration};

/// Loads demo data for the `seed` command.
pub type SeedFn = Arc<dyn Fn(Container) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// A Stheno application: config, modules, routes, seed data.
pub struct App {
    config: Config,
    modules: Vec<&'static ModuleRegistration>,
    routes: Vec<Routes>,
    seed: Option<SeedFn>,
    events: Arc<dyn EventBus>,
}

impl App {
    /// An application with the given config and no modules beyond those
    /// registered by linked crates.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            modules: Vec::new(),
            routes: Vec::new(),
            seed: None,
            events: Arc::new(LogEventBus),
        }
    }

    /// Config from `stheno.toml` and the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Ok(Self::new(Config::load()?))
    }

    /// The standard commerce modules this binary was built with (one cargo
    /// feature each, all under `default-modules`) and, with `api`, their
    /// Store/Admin/Auth routes.
    pub fn with_default_modules(mut self) -> Self {
        #[cfg(feature = "workflow-engine")]
        {
            static WORKFLOW_ENGINE: ModuleRegistration = ModuleRegistration::of::<
                stheno_workflow_engine::WorkflowEngineModule,
            >("stheno-workflow-engine");
            self.modules.push(&WORKFLOW_ENGINE);
        }
        #[cfg(feature = "product")]
        {
            static PRODUCT: ModuleRegistration =
                ModuleRegistration::of::<stheno_product::ProductModule>("stheno-product");
            self.modules.push(&PRODUCT);
        }
        #[cfg(feature = "auth")]
        {
            static AUTH: ModuleRegistration =
                ModuleRegistration::of::<stheno_auth::AuthModule>("stheno-auth");
            self.modules.push(&AUTH);
        }
        #[cfg(feature = "user")]
        {
            static USER: ModuleRegistration =
                ModuleRegistration::of::<stheno_user::UserModule>("stheno-user");
            self.modules.push(&USER);
        }
        #[cfg(feature = "customer")]
        {
            static CUSTOMER: ModuleRegistration =
                ModuleRegistration::of::<stheno_customer::CustomerModule>("stheno-customer");
            self.modules.push(&CUSTOMER);
        }
        #[cfg(feature = "pricing")]
        {
            static PRICING: ModuleRegistration =
                ModuleRegistration::of::<stheno_pricing::PricingModule>("stheno-pricing");
            self.modules.push(&PRICING);
        }
        #[cfg(feature = "inventory")]
        {
            static INVENTORY: ModuleRegistration =
                ModuleRegistration::of::<stheno_inventory::InventoryModule>("stheno-inventory");
            self.modules.push(&INVENTORY);
        }
        #[cfg(feature = "stock-location")]
        {
            static STOCK_LOCATION: ModuleRegistration = ModuleRegistration::of::<
                stheno_stock_location::StockLocationModule,
            >("stheno-stock-location");
            self.modules.push(&STOCK_LOCATION);
        }
        #[cfg(feature = "tax")]
        {
            static TAX: ModuleRegistration =
                ModuleRegistration::of::<stheno_tax::TaxModule>("stheno-tax");
            self.modules.push(&TAX);
        }
        #[cfg(feature = "sales-channel")]
        {
            static SALES_CHANNEL: ModuleRegistration = ModuleRegistration::of::<
                stheno_sales_channel::SalesChannelModule,
            >("stheno-sales-channel");
            self.modules.push(&SALES_CHANNEL);
        }
        #[cfg(feature = "api-key")]
        {
            static API_KEY: ModuleRegistration =
                ModuleRegistration::of::<stheno_api_key::ApiKeyModule>("stheno-api-key");
            self.modules.push(&API_KEY);
        }
        #[cfg(feature = "currency")]
        {
            static CURRENCY: ModuleRegistration =
                ModuleRegistration::of::<stheno_currency::CurrencyModule>("stheno-currency");
            self.modules.push(&CURRENCY);
        }
        #[cfg(feature = "region")]
        {
            static REGION: ModuleRegistration =
                ModuleRegistration::of::<stheno_region::RegionModule>("stheno-region");
            self.modules.push(&REGION);
        }
        #[cfg(feature = "store")]
        {
            static STORE: ModuleRegistration =
                ModuleRegistration::of::<stheno_store::StoreModule>("stheno-store");
            self.modules.push(&STORE);
        }
        #[cfg(feature = "api")]
        self.routes.extend(stheno_api::routes());
        self
    }

    /// Add a module explicitly (in addition to those found through
    /// `register_module!`).
    pub fn module<M: Module>(mut self) -> Self {
        let reg: &'static ModuleRegistration = Box::leak(Box::new(ModuleRegistration::of::<M>(
            std::any::type_name::<M>(),
        )));
        self.modules.push(reg);
        self
    }

    /// Add routes explicitly (in addition to those found through
    /// `register_routes!`).
    pub fn routes(mut self, routes: Routes) -> Self {
        self.routes.push(routes);
        self
    }

    /// What `seed` loads after migrating.
    pub fn seed<F, Fut>(mut self, seed: F) -> Self
    where
        F: Fn(Container) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.seed = Some(Arc::new(move |c| Box::pin(seed(c))));
        self
    }

    /// Use another event bus (the event-bus module, or a recorder in tests).
    pub fn event_bus(mut self, events: Arc<dyn EventBus>) -> Self {
        self.events = events;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// Routes this application serves, explicit ones only (registered ones
    /// are added by the server).
    pub fn explicit_routes(&self) -> &[Routes] {
        &self.routes
    }

    /// Connect, migrate (if configured) and build every module.
    pub async fn build(&self) -> anyhow::Result<Container> {
        Ok(stheno_framework::boot(self.config.clone(), &self.modules, self.events.clone()).await?)
    }

    /// Parse the command line and run the command on a multi-threaded tokio
    /// runtime. Logs go to stderr; `RUST_LOG` filters them (default `info`).
    /// A failure (database unreachable, missing module, port taken, …) is
    /// printed as one line, `error: …`, and the process exits with status 1.
    pub fn run(self) -> anyhow::Result<()> {
        init_logging();
        let cli = Cli::parse();
        let result = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the tokio runtime")
            .and_then(|runtime| runtime.block_on(self.execute(cli.command())));
        if let Err(error) = result {
            eprintln!("error: {error:#}");
            std::process::exit(1);
        }
        Ok(())
    }

    /// Run one CLI command.
    pub async fn execute(self, command: &Command) -> anyhow::Result<()> {
        match command {
            Command::Serve => {
                let started = std::time::Instant::now();
                let container = self.build().await?;
                tracing::info!(ms = started.elapsed().as_millis() as u64, "ready");
                // Resume runs of dead processes, time out async steps, purge
                // old runs: the worker's duty, so not in `server` mode.
                let worker = (container.config().worker_mode
                    != stheno_framework::config::WorkerMode::Server)
                    .then(|| {
                        container
                            .workflows()
                            .spawn_worker(std::time::Duration::from_secs(5))
                    });
                let served = stheno_http::server::serve(container, self.routes).await;
                if let Some(worker) = worker {
                    worker.abort();
                }
                served?;
            }
            Command::Migrate => {
                let applied = stheno_framework::boot::migrate(&self.config, &self.modules).await?;
                if applied.is_empty() {
                    println!("Database is up to date.");
                }
                for a in applied {
                    println!("applied {} {}", a.module, a.version);
                }
            }
            Command::Seed => {
                let mut config = self.config.clone();
                config.migrate_on_start = true;
                let container =
                    stheno_framework::boot(config, &self.modules, self.events.clone()).await?;
                match &self.seed {
                    Some(seed) => {
                        seed(container).await.context("seeding failed")?;
                        println!("Seed data loaded.");
                    }
                    None => println!("This application has no seed data."),
                }
            }
            Command::User(UserCommand::Create { email, password }) => {
                self.create_user(email, password).await?;
            }
            Command::Db(DbCommand::Generate { module, dir }) => {
                let base = dir.clone().unwrap_or_else(|| ".".into());
                let outcome =
                    stheno_framework::generate::run(&self.config, &self.modules, module, &base)
                        .await?;
                match outcome {
                    Outcome::NoChanges { warnings } => {
                        warn(&warnings);
                        println!(
                            "no changes: the database matches the entities of module `{module}`."
                        );
                    }
                    Outcome::Written { folder, generated } => {
                        warn(&generated.warnings);
                        println!("{}", generated.up_sql());
                        println!(
                            "wrote {}/{{up,down}}.sql. Review it, rebuild (migrations are embedded at compile time: a `build.rs` printing `cargo:rerun-if-changed=migrations` makes cargo notice the new folder), then run `migrate`.",
                            folder.display()
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

impl App {
    #[cfg(all(feature = "user", feature = "auth"))]
    async fn create_user(&self, email: &str, password: &str) -> anyhow::Result<()> {
        let mut config = self.config.clone();
        config.migrate_on_start = true;
        let container = stheno_framework::boot(config, &self.modules, self.events.clone()).await?;
        let (user, _) = crate::users::create_admin_user(&container, email, Some(password)).await?;
        println!(
            "Created admin user {} ({}). Log in with POST /auth/user/emailpass.",
            user.id, user.email
        );
        Ok(())
    }

    #[cfg(not(all(feature = "user", feature = "auth")))]
    async fn create_user(&self, _email: &str, _password: &str) -> anyhow::Result<()> {
        anyhow::bail!("`user create` needs the user and auth modules (features `user` and `auth`)")
    }
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
