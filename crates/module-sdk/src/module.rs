//! The module contract: what a module declares, how it is built, how the
//! framework finds it.

use std::any::{Any, TypeId};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use crate::db::DbPool;
use crate::entity::EntityMeta;
use crate::events::EventBus;
use crate::graph::EntitySource;
use crate::link::LinkDef;
use crate::{Error, Result};

/// A module's embedded SQL migrations (`diesel_migrations::embed_migrations!`).
/// Version names must be unique across all modules: prefix them with a
/// timestamp.
pub type Migrations = diesel_migrations::EmbeddedMigrations;

/// A commerce or infrastructure module.
///
/// ```
/// use stheno_module_sdk::prelude::*;
///
/// pub struct BrandModule { db: DbPool }
///
/// #[async_trait]
/// impl Module for BrandModule {
///     const KEY: &'static str = "brand";
///     async fn build(ctx: &ModuleContext) -> Result<Self> {
///         Ok(Self { db: ctx.db().clone() })
///     }
/// }
/// stheno_module_sdk::register_module!(BrandModule);
/// ```
#[async_trait]
pub trait Module: Send + Sync + Sized + 'static {
    /// The module key used in config, logs and dependency lists (`"product"`).
    const KEY: &'static str;
    /// Keys of modules this one needs to be built first.
    const DEPENDS_ON: &'static [&'static str] = &[];
    /// SQL migrations, run before the module is built.
    const MIGRATIONS: Option<Migrations> = None;

    /// Build the service. Called once at start-up, after migrations.
    async fn build(ctx: &ModuleContext) -> Result<Self>;

    /// The entity sources Query uses to follow this module's relations.
    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        Vec::new()
    }

    /// The module's `#[entity]` declarations (written by `#[module(entities(..))]`):
    /// what `db generate <module>` writes migrations from. Hand-written
    /// modules, whose tables come from hand-written SQL, keep the default.
    fn entities() -> &'static [&'static EntityMeta] {
        &[]
    }
}

/// What a module receives when it is built.
#[derive(Clone)]
pub struct ModuleContext {
    key: &'static str,
    db: DbPool,
    options: serde_json::Value,
    events: Arc<dyn EventBus>,
    links: Arc<[&'static LinkDef]>,
}

impl ModuleContext {
    pub fn new(
        key: &'static str,
        db: DbPool,
        options: serde_json::Value,
        events: Arc<dyn EventBus>,
    ) -> Self {
        Self {
            key,
            db,
            options,
            events,
            links: Arc::new([]),
        }
    }

    /// The links of the application (both modules loaded): generated
    /// services cascade soft deletes, restores and deletes into them.
    pub fn with_links(mut self, links: Arc<[&'static LinkDef]>) -> Self {
        self.links = links;
        self
    }
    /// The application's active links.
    pub fn links(&self) -> &[&'static LinkDef] {
        &self.links
    }
    /// The module's key.
    pub fn key(&self) -> &'static str {
        self.key
    }
    /// The shared database pool.
    pub fn db(&self) -> &DbPool {
        &self.db
    }
    /// The event bus to emit domain events through.
    pub fn events(&self) -> &Arc<dyn EventBus> {
        &self.events
    }
    /// The module's options from config (`[modules.<key>]`), typed. Missing
    /// options deserialise from an empty table, so `#[serde(default)]` works.
    pub fn options<T: DeserializeOwned>(&self) -> Result<T> {
        let value = match &self.options {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            v => v.clone(),
        };
        serde_json::from_value(value).map_err(|e| {
            Error::invalid_data(format!("invalid options for module `{}`: {e}", self.key))
        })
    }
}

/// A module built by the framework, type-erased for the container.
pub struct BuiltModule {
    pub type_id: TypeId,
    pub instance: Arc<dyn Any + Send + Sync>,
    pub sources: Vec<Arc<dyn EntitySource>>,
}

type BuildFn = fn(ModuleContext) -> Pin<Box<dyn Future<Output = Result<BuiltModule>> + Send>>;

/// A module's entry in the registry. Created by [`register_module!`] or
/// [`ModuleRegistration::of`].
pub struct ModuleRegistration {
    pub key: &'static str,
    pub type_name: fn() -> &'static str,
    pub crate_name: &'static str,
    pub depends_on: &'static [&'static str],
    pub migrations: fn() -> Option<Migrations>,
    /// [`Module::entities`].
    pub entities: fn() -> &'static [&'static EntityMeta],
    pub build: BuildFn,
}

impl std::fmt::Debug for ModuleRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleRegistration")
            .field("key", &self.key)
            .field("crate_name", &self.crate_name)
            .field("depends_on", &self.depends_on)
            .finish()
    }
}

impl ModuleRegistration {
    /// The registration of module type `M`, defined in crate `crate_name`.
    pub const fn of<M: Module>(crate_name: &'static str) -> Self {
        Self {
            key: M::KEY,
            type_name: std::any::type_name::<M>,
            crate_name,
            depends_on: M::DEPENDS_ON,
            migrations: migrations_of::<M>,
            entities: M::entities,
            build: build_erased::<M>,
        }
    }
}

fn migrations_of<M: Module>() -> Option<Migrations> {
    M::MIGRATIONS
}

fn build_erased<M: Module>(
    ctx: ModuleContext,
) -> Pin<Box<dyn Future<Output = Result<BuiltModule>> + Send>> {
    Box::pin(async move {
        let module = Arc::new(M::build(&ctx).await?);
        let sources = module.entity_sources();
        Ok(BuiltModule {
            type_id: TypeId::of::<M>(),
            instance: module,
            sources,
        })
    })
}

inventory::collect!(ModuleRegistration);

/// Every module registered with [`register_module!`] in the linked crates.
pub fn registered_modules() -> impl Iterator<Item = &'static ModuleRegistration> {
    inventory::iter::<ModuleRegistration>.into_iter()
}

/// Register a module type so the framework discovers it when its crate is
/// linked into the binary.
///
/// The crate must be *referenced* by the final binary for the registration to
/// survive linking; name a type from it (the `stheno` facade does this for the
/// default modules).
#[macro_export]
macro_rules! register_module {
    ($module:ty) => {
        $crate::inventory::submit! {
            $crate::module::ModuleRegistration::of::<$module>(env!("CARGO_PKG_NAME"))
        }
    };
}
