//! Providers: the implementations a module delegates to (payment, fulfillment,
//! auth, tax, notification, file, analytics), found through one registry.
//!
//! A provider kind is a trait in the owning module crate, used as a trait
//! object (`dyn PaymentProvider`). The module ties the kind to its key with
//! [`ProviderKind`]; implementations, in that crate or any other linked one,
//! register with [`register_provider!`](crate::register_provider) under an
//! id; the module builds the providers of its kind at start-up with
//! [`Providers::from_context`] from `[modules.<key>.providers.<id>]`:
//!
//! ```toml
//! [modules.payment.providers.pp_stripe_stripe]
//! api_key = "sk_test_…"
//! ```
//!
//! - Every registered provider's build function runs, with its options
//!   ([`ProviderOptions`], empty when the id has no table). It answers
//!   `Ok(None)` to stay off (a provider that needs options and has none) or
//!   a provider; a provider that needs no options can be always on.
//! - A configured id that no linked crate registers is a start-up error
//!   naming the registered ids, as is an id registered twice.
//! - Ids are what routes and stored rows use. Medusa's are
//!   `<prefix>_<identifier>_<config id>` (`pp_system_default`,
//!   `fp_manual_manual`, `tp_system`): build them with
//!   [`provider_id!`](crate::provider_id) (a `&'static str` for
//!   registrations) or [`provider_id`] (at run time). Auth providers keep
//!   plain ids (`emailpass`, `github`).
//!
//! A module declaring its provider kind and one provider, and building them:
//!
//! ```
//! use std::sync::Arc;
//! use serde_json::json;
//! use stheno_module_sdk::provider::{ProviderKind, Providers};
//! use stheno_module_sdk::{ErrorKind, Result, provider_id, register_provider};
//!
//! /// The payment module's provider contract.
//! pub trait PaymentProvider: Send + Sync {
//!     fn authorize(&self, amount: u64) -> Result<bool>;
//! }
//! impl ProviderKind for dyn PaymentProvider {
//!     const MODULE: &'static str = "payment";
//! }
//!
//! /// Always on: authorizes everything.
//! struct System;
//! impl PaymentProvider for System {
//!     fn authorize(&self, _amount: u64) -> Result<bool> { Ok(true) }
//! }
//! register_provider!(dyn PaymentProvider, provider_id!("pp", "system", "default"), |_| {
//!     Ok(Some(Arc::new(System)))
//! });
//!
//! /// On when configured: `[modules.payment.providers.pp_card_card] limit = …`.
//! #[derive(serde::Deserialize)]
//! struct Card { limit: u64 }
//! impl PaymentProvider for Card {
//!     fn authorize(&self, amount: u64) -> Result<bool> { Ok(amount <= self.limit) }
//! }
//! register_provider!(dyn PaymentProvider, "pp_card_card", |options| {
//!     if !options.is_configured() {
//!         return Ok(None);
//!     }
//!     Ok(Some(Arc::new(options.parse::<Card>()?)))
//! });
//!
//! // In the module's `build`: `Providers::from_context(ctx)?`; here from the
//! // `providers` table directly.
//! let config = serde_json::from_value(json!({"pp_card_card": {"limit": 100}})).unwrap();
//! let providers = Providers::<dyn PaymentProvider>::from_config(&config)?;
//! assert_eq!(providers.ids().collect::<Vec<_>>(), ["pp_card_card", "pp_system_default"]);
//! assert!(!providers.get("pp_card_card")?.authorize(500)?);
//!
//! let err = providers.get("pp_paypal_paypal").err().unwrap();
//! assert_eq!(err.kind(), ErrorKind::NotFound);
//! assert_eq!(
//!     err.message(),
//!     "Unable to retrieve the payment provider with id: pp_paypal_paypal \
//!      (configured payment providers: pp_card_card, pp_system_default)"
//! );
//!
//! let unknown = serde_json::from_value(json!({"pp_paypal_paypal": {}})).unwrap();
//! let err = Providers::<dyn PaymentProvider>::from_config(&unknown).err().unwrap();
//! assert_eq!(err.kind(), ErrorKind::InvalidData);
//! assert!(err.message().contains("registered payment providers: pp_card_card, pp_system_default"));
//! # Ok::<(), stheno_module_sdk::Error>(())
//! ```
//!
//! The build function is type-checked against the kind:
//!
//! ```compile_fail
//! use std::sync::Arc;
//! use stheno_module_sdk::provider::ProviderKind;
//!
//! pub trait FileProvider: Send + Sync {}
//! impl ProviderKind for dyn FileProvider {
//!     const MODULE: &'static str = "file";
//! }
//! struct NotAFileProvider;
//! stheno_module_sdk::register_provider!(dyn FileProvider, "fs_local_local", |_| {
//!     Ok(Some(Arc::new(NotAFileProvider)))
//! });
//! ```
//!
//! As with modules, a registration only survives linking if the final binary
//! references its crate (name a type from it).

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{Error, ModuleContext, Result};

/// A provider kind: implemented by the owning module for its provider trait
/// object, `impl ProviderKind for dyn PaymentProvider { … }`.
pub trait ProviderKind: Send + Sync + 'static {
    /// The owning module's key: its providers are configured under
    /// `[modules.<MODULE>.providers.<id>]` and named "`<MODULE>` provider" in
    /// errors.
    const MODULE: &'static str;
}

/// The `providers` table of a module's options: options per provider id.
pub type ProvidersConfig = BTreeMap<String, Value>;

/// What a provider's build function receives: its id and its options
/// (`[modules.<module>.providers.<id>]`), if configured.
#[derive(Debug, Clone)]
pub struct ProviderOptions {
    module: &'static str,
    id: &'static str,
    value: Value,
}

impl ProviderOptions {
    /// The options of provider `id` of `module`; `Value::Null` when not
    /// configured. Built by [`Providers`]; public for testing build
    /// functions.
    pub fn new(module: &'static str, id: &'static str, value: Value) -> Self {
        Self { module, id, value }
    }
    /// The provider's id.
    pub fn id(&self) -> &'static str {
        self.id
    }
    /// The owning module's key.
    pub fn module(&self) -> &'static str {
        self.module
    }
    /// Whether the provider has a table in the config (even an empty one).
    pub fn is_configured(&self) -> bool {
        !self.value.is_null()
    }
    /// The options as given; `Value::Null` when not configured.
    pub fn value(&self) -> &Value {
        &self.value
    }
    /// The options, typed. Missing options deserialise from an empty table,
    /// so `#[serde(default)]` works; a mismatch is an `invalid_data` error
    /// naming the provider.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        let value = match &self.value {
            Value::Null => Value::Object(Default::default()),
            v => v.clone(),
        };
        serde_json::from_value(value).map_err(|e| {
            Error::invalid_data(format!(
                "invalid options for {} provider `{}`: {e}",
                self.module, self.id
            ))
        })
    }
}

/// A provider's build function: `Ok(None)` leaves it out (not configured).
pub type BuildFn<P> = fn(&ProviderOptions) -> Result<Option<Arc<P>>>;

/// A built provider, type-erased (an `Arc<P>`), between the build function
/// [`register_provider!`](crate::register_provider) generates and
/// [`Providers`].
#[doc(hidden)]
pub struct ErasedProvider(Box<dyn Any + Send + Sync>);

#[doc(hidden)]
pub type ErasedBuildFn = fn(&ProviderOptions) -> Result<Option<ErasedProvider>>;

/// Used by [`register_provider!`](crate::register_provider).
#[doc(hidden)]
pub fn erase<P: ProviderKind + ?Sized>(
    built: Result<Option<Arc<P>>>,
) -> Result<Option<ErasedProvider>> {
    built.map(|p| p.map(|p| ErasedProvider(Box::new(p))))
}

/// A provider's entry in the registry; created by
/// [`register_provider!`](crate::register_provider).
pub struct ProviderRegistration {
    /// The owning module's key ([`ProviderKind::MODULE`]).
    pub module: &'static str,
    /// The provider id: config table name, and what routes and rows use.
    pub id: &'static str,
    /// The crate that registered it.
    pub crate_name: &'static str,
    kind: fn() -> TypeId,
    kind_name: fn() -> &'static str,
    build: ErasedBuildFn,
}

impl ProviderRegistration {
    #[doc(hidden)]
    pub const fn new<P: ProviderKind + ?Sized>(
        id: &'static str,
        crate_name: &'static str,
        build: ErasedBuildFn,
    ) -> Self {
        Self {
            module: P::MODULE,
            id,
            crate_name,
            kind: TypeId::of::<Arc<P>>,
            kind_name: std::any::type_name::<P>,
            build,
        }
    }

    /// Whether this registration is of kind `P`.
    pub fn is<P: ProviderKind + ?Sized>(&self) -> bool {
        (self.kind)() == TypeId::of::<Arc<P>>()
    }

    /// The provider kind's type name (`dyn my_crate::PaymentProvider`).
    pub fn kind_name(&self) -> &'static str {
        (self.kind_name)()
    }
}

impl fmt::Debug for ProviderRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderRegistration")
            .field("module", &self.module)
            .field("id", &self.id)
            .field("crate_name", &self.crate_name)
            .field("kind", &self.kind_name())
            .finish()
    }
}

inventory::collect!(ProviderRegistration);

/// Every provider registered in the linked crates, of every kind.
pub fn registered_providers() -> impl Iterator<Item = &'static ProviderRegistration> {
    inventory::iter::<ProviderRegistration>.into_iter()
}

/// The built providers of one kind, by id (iterated in id order). Cloning
/// is cheap (shared).
pub struct Providers<P: ?Sized> {
    by_id: Arc<BTreeMap<&'static str, Arc<P>>>,
}

impl<P: ProviderKind + ?Sized> Providers<P> {
    /// Build the providers of kind `P` from the `providers` table of the
    /// module's options (`[modules.<key>.providers.<id>]`); other options
    /// are ignored.
    pub fn from_context(ctx: &ModuleContext) -> Result<Self> {
        #[derive(Deserialize)]
        struct Options {
            #[serde(default)]
            providers: ProvidersConfig,
        }
        if ctx.key() != P::MODULE {
            return Err(Error::internal(format!(
                "module `{}` cannot build {} providers: they belong to module `{}`",
                ctx.key(),
                P::MODULE,
                P::MODULE
            )));
        }
        Self::from_config(&ctx.options::<Options>()?.providers)
    }

    /// Build every registered provider of kind `P` with its options from
    /// `config` (`Null` for ids without a table). A configured id that is
    /// not registered, or an id registered twice, is an `invalid_data`
    /// error.
    pub fn from_config(config: &ProvidersConfig) -> Result<Self> {
        let module = P::MODULE;
        let mut registrations: BTreeMap<&'static str, &'static ProviderRegistration> =
            BTreeMap::new();
        for reg in Self::registered() {
            if let Some(first) = registrations.insert(reg.id, reg) {
                return Err(Error::invalid_data(format!(
                    "{module} provider `{}` is registered twice (by crates `{}` and `{}`): \
                     provider ids must be unique; link only one of them",
                    reg.id, first.crate_name, reg.crate_name
                )));
            }
        }
        if let Some(unknown) = config
            .keys()
            .find(|id| !registrations.contains_key(id.as_str()))
        {
            let known = if registrations.is_empty() {
                format!("no {module} providers are registered")
            } else {
                format!(
                    "registered {module} providers: {}",
                    join(registrations.keys().copied())
                )
            };
            return Err(Error::invalid_data(format!(
                "{module} provider `{unknown}` is configured \
                 ([modules.{module}.providers.{unknown}]) but not registered: \
                 link the crate that provides it ({known})"
            )));
        }
        let mut by_id = BTreeMap::new();
        for (id, reg) in registrations {
            let value = config.get(id).cloned().unwrap_or(Value::Null);
            let Some(ErasedProvider(built)) =
                (reg.build)(&ProviderOptions::new(module, id, value))?
            else {
                continue;
            };
            let provider = built.downcast::<Arc<P>>().map_err(|_| {
                Error::internal(format!(
                    "{module} provider `{id}` (crate `{}`) did not build a `{}`",
                    reg.crate_name,
                    std::any::type_name::<P>()
                ))
            })?;
            by_id.insert(id, *provider);
        }
        Ok(Self {
            by_id: Arc::new(by_id),
        })
    }

    /// The registrations of kind `P` in the linked crates.
    pub fn registered() -> impl Iterator<Item = &'static ProviderRegistration> {
        registered_providers().filter(|reg| reg.is::<P>())
    }

    /// The provider `id`; `not_found` naming the configured ids otherwise.
    pub fn get(&self, id: &str) -> Result<&Arc<P>> {
        self.find(id).ok_or_else(|| {
            let module = P::MODULE;
            let known = if self.is_empty() {
                format!("no {module} providers are configured")
            } else {
                format!("configured {module} providers: {}", join(self.ids()))
            };
            Error::not_found(format!(
                "Unable to retrieve the {module} provider with id: {id} ({known})"
            ))
        })
    }
}

impl<P: ?Sized> Providers<P> {
    /// The provider `id`, if built.
    pub fn find(&self, id: &str) -> Option<&Arc<P>> {
        self.by_id.get(id)
    }
    /// Whether provider `id` is built.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
    /// The ids of the built providers, in order.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_id.keys().copied()
    }
    /// The built providers with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Arc<P>)> {
        self.by_id.iter().map(|(id, p)| (*id, p))
    }
    pub fn len(&self) -> usize {
        self.by_id.len()
    }
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

impl<P: ?Sized> Clone for Providers<P> {
    fn clone(&self) -> Self {
        Self {
            by_id: self.by_id.clone(),
        }
    }
}

impl<P: ?Sized> fmt::Debug for Providers<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl<'a, P: ?Sized> IntoIterator for &'a Providers<P> {
    type Item = (&'static str, &'a Arc<P>);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

fn join<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.collect::<Vec<_>>().join(", ")
}

/// Medusa's provider id `<prefix>_<identifier>_<config id>`
/// (`pp_system_default`); an empty `config_id` gives `<prefix>_<identifier>`
/// (`tp_system`). For a `&'static str` (registrations) use
/// [`provider_id!`](crate::provider_id).
///
/// ```
/// use stheno_module_sdk::provider::provider_id;
/// assert_eq!(provider_id("pp", "stripe", "stripe"), "pp_stripe_stripe");
/// assert_eq!(provider_id("tp", "system", ""), "tp_system");
/// ```
pub fn provider_id(prefix: &str, identifier: &str, config_id: &str) -> String {
    if config_id.is_empty() {
        format!("{prefix}_{identifier}")
    } else {
        format!("{prefix}_{identifier}_{config_id}")
    }
}

/// Medusa's provider id from literals, as a `&'static str`:
/// `provider_id!("pp", "system", "default")` is `"pp_system_default"`,
/// `provider_id!("tp", "system")` is `"tp_system"`.
///
/// ```
/// const SYSTEM: &str = stheno_module_sdk::provider_id!("pp", "system", "default");
/// assert_eq!(SYSTEM, "pp_system_default");
/// assert_eq!(stheno_module_sdk::provider_id!("tp", "system"), "tp_system");
/// ```
#[macro_export]
macro_rules! provider_id {
    ($prefix:literal, $identifier:literal $(,)?) => {
        ::core::concat!($prefix, "_", $identifier)
    };
    ($prefix:literal, $identifier:literal, $config_id:literal $(,)?) => {
        ::core::concat!($prefix, "_", $identifier, "_", $config_id)
    };
}

/// Register a provider of kind `$kind` (a `dyn Trait` implementing
/// [`ProviderKind`](crate::provider::ProviderKind)) under id `$id` (a
/// constant `&'static str`), built by `$build`: a function or a closure that
/// captures nothing, `fn(&ProviderOptions) -> Result<Option<Arc<$kind>>>`.
///
/// ```ignore
/// register_provider!(dyn AuthProvider, "emailpass", |_| Ok(Some(Arc::new(EmailPass))));
/// register_provider!(dyn PaymentProvider, provider_id!("pp", "stripe", "stripe"), build_stripe);
/// ```
///
/// See the [`provider`](crate::provider) module for a complete example.
#[macro_export]
macro_rules! register_provider {
    ($kind:ty, $id:expr, $build:expr $(,)?) => {
        const _: () = {
            fn __stheno_build_provider(
                options: &$crate::provider::ProviderOptions,
            ) -> $crate::Result<::core::option::Option<$crate::provider::ErasedProvider>> {
                let build: $crate::provider::BuildFn<$kind> = $build;
                $crate::provider::erase::<$kind>(build(options))
            }
            $crate::inventory::submit! {
                $crate::provider::ProviderRegistration::new::<$kind>(
                    $id,
                    ::core::env!("CARGO_PKG_NAME"),
                    __stheno_build_provider,
                )
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    /// A test kind with an always-on provider and two that need options.
    trait Greeter: Send + Sync {
        fn greet(&self) -> String;
    }
    impl ProviderKind for dyn Greeter {
        const MODULE: &'static str = "greeting";
    }

    struct Fixed(&'static str);
    impl Greeter for Fixed {
        fn greet(&self) -> String {
            self.0.to_string()
        }
    }

    /// Echoes the options it was built with.
    #[derive(Deserialize)]
    struct Echo {
        word: String,
        #[serde(default)]
        times: usize,
    }
    impl Greeter for Echo {
        fn greet(&self) -> String {
            self.word.repeat(self.times.max(1))
        }
    }

    crate::register_provider!(dyn Greeter, "always", |_| Ok(Some(Arc::new(Fixed("hi")))));
    crate::register_provider!(
        dyn Greeter,
        crate::provider_id!("gp", "echo", "main"),
        |o| {
            if !o.is_configured() {
                return Ok(None);
            }
            Ok(Some(Arc::new(o.parse::<Echo>()?)))
        }
    );
    crate::register_provider!(dyn Greeter, "seen", build_seen);

    /// Reports what it received, configured or not.
    fn build_seen(options: &ProviderOptions) -> Result<Option<Arc<dyn Greeter>>> {
        let seen = format!(
            "{}/{}/{}:{}",
            options.module(),
            options.id(),
            options.is_configured(),
            options.value()
        );
        Ok(Some(Arc::new(Fixed(Box::leak(seen.into_boxed_str())))))
    }

    /// A second kind, to check that kinds do not see each other.
    trait Other: Send + Sync {}
    impl ProviderKind for dyn Other {
        const MODULE: &'static str = "other";
    }
    struct Nothing;
    impl Other for Nothing {}
    crate::register_provider!(dyn Other, "always", |_| Ok(Some(Arc::new(Nothing))));

    /// A kind whose id is registered twice.
    trait Twice: Send + Sync {}
    impl ProviderKind for dyn Twice {
        const MODULE: &'static str = "twice";
    }
    impl Twice for Nothing {}
    crate::register_provider!(dyn Twice, "dup", |_| Ok(Some(Arc::new(Nothing))));
    crate::register_provider!(dyn Twice, "dup", |_| Ok(Some(Arc::new(Nothing))));

    /// A kind with nothing registered.
    trait Empty: Send + Sync {}
    impl ProviderKind for dyn Empty {
        const MODULE: &'static str = "empty";
    }

    fn config(value: Value) -> ProvidersConfig {
        serde_json::from_value(value).expect("a providers table")
    }

    fn greetings(providers: &Providers<dyn Greeter>) -> Vec<(&'static str, String)> {
        providers.iter().map(|(id, p)| (id, p.greet())).collect()
    }

    #[test]
    fn providers_without_config() {
        let providers = Providers::<dyn Greeter>::from_config(&config(json!({}))).unwrap();
        // `gp_echo_main` needs options and stays off; the others are on.
        assert_eq!(
            greetings(&providers),
            [
                ("always", "hi".to_string()),
                ("seen", "greeting/seen/false:null".to_string())
            ]
        );
        assert!(providers.contains("always") && !providers.contains("gp_echo_main"));
        assert_eq!(providers.len(), 2);
        assert_eq!(format!("{providers:?}"), r#"["always", "seen"]"#);
    }

    #[test]
    fn options_are_passed_to_the_build_fn() {
        let providers = Providers::<dyn Greeter>::from_config(&config(json!({
            "gp_echo_main": {"word": "ho", "times": 3},
            "seen": {"x": [1, 2]},
        })))
        .unwrap();
        assert_eq!(
            greetings(&providers),
            [
                ("always", "hi".to_string()),
                ("gp_echo_main", "hohoho".to_string()),
                ("seen", r#"greeting/seen/true:{"x":[1,2]}"#.to_string()),
            ]
        );
        // An empty table turns a provider on: its options parse from `{}`.
        let err = Providers::<dyn Greeter>::from_config(&config(json!({"gp_echo_main": {}})))
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(
            err.message(),
            "invalid options for greeting provider `gp_echo_main`: missing field `word`"
        );
    }

    #[test]
    fn configured_but_unregistered_id_is_a_startup_error() {
        let err = Providers::<dyn Greeter>::from_config(&config(json!({"saml": {}})))
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(
            err.message(),
            "greeting provider `saml` is configured ([modules.greeting.providers.saml]) \
             but not registered: link the crate that provides it \
             (registered greeting providers: always, gp_echo_main, seen)"
        );
        let err = Providers::<dyn Empty>::from_config(&config(json!({"x": {}})))
            .err()
            .unwrap();
        assert!(
            err.message()
                .ends_with("(no empty providers are registered)"),
            "{}",
            err.message()
        );
        assert!(
            Providers::<dyn Empty>::from_config(&config(json!({})))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unknown_id_names_the_configured_ones() {
        let providers = Providers::<dyn Greeter>::from_config(&config(json!({}))).unwrap();
        assert_eq!(providers.get("always").unwrap().greet(), "hi");
        let err = providers.get("nope").err().unwrap();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(
            err.message(),
            "Unable to retrieve the greeting provider with id: nope \
             (configured greeting providers: always, seen)"
        );
        assert!(providers.find("nope").is_none());
        let none = Providers::<dyn Empty>::from_config(&config(json!({}))).unwrap();
        assert_eq!(
            none.get("x").err().unwrap().message(),
            "Unable to retrieve the empty provider with id: x (no empty providers are configured)"
        );
    }

    #[test]
    fn kinds_are_separate_and_duplicates_are_refused() {
        let ids: Vec<_> = Providers::<dyn Greeter>::registered()
            .map(|r| r.id)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(ids, ["always", "gp_echo_main", "seen"]);
        let other = Providers::<dyn Other>::from_config(&config(json!({}))).unwrap();
        assert_eq!(other.ids().collect::<Vec<_>>(), ["always"]);
        let reg = Providers::<dyn Other>::registered().next().unwrap();
        assert_eq!(
            (reg.module, reg.crate_name, reg.kind_name()),
            (
                "other",
                "stheno-module-sdk",
                std::any::type_name::<dyn Other>()
            )
        );
        assert!(registered_providers().any(|r| r.module == "greeting" && r.id == "seen"));

        let err = Providers::<dyn Twice>::from_config(&config(json!({})))
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(
            err.message().starts_with(
                "twice provider `dup` is registered twice (by crates `stheno-module-sdk` and `stheno-module-sdk`)"
            ),
            "{}",
            err.message()
        );
    }

    #[test]
    fn from_context_reads_the_providers_table() {
        let db = crate::db::connect("postgres://unused@127.0.0.1:1/unused", 1).unwrap();
        let events: Arc<dyn crate::events::EventBus> = Arc::new(crate::events::LogEventBus);
        let ctx = ModuleContext::new(
            "greeting",
            db.clone(),
            json!({"other_option": true, "providers": {"gp_echo_main": {"word": "yo"}}}),
            events.clone(),
        );
        let providers = Providers::<dyn Greeter>::from_context(&ctx).unwrap();
        assert_eq!(providers.get("gp_echo_main").unwrap().greet(), "yo");

        let no_options = ModuleContext::new("greeting", db.clone(), Value::Null, events.clone());
        let providers = Providers::<dyn Greeter>::from_context(&no_options).unwrap();
        assert_eq!(providers.ids().collect::<Vec<_>>(), ["always", "seen"]);

        let wrong_module = ModuleContext::new("payment", db, Value::Null, events);
        let err = Providers::<dyn Greeter>::from_context(&wrong_module)
            .err()
            .unwrap();
        assert_eq!(
            err.message(),
            "module `payment` cannot build greeting providers: they belong to module `greeting`"
        );
    }

    #[test]
    fn medusa_ids() {
        assert_eq!(
            crate::provider_id!("pp", "system", "default"),
            "pp_system_default"
        );
        assert_eq!(provider_id("fp", "manual", "manual"), "fp_manual_manual");
        assert_eq!(
            crate::provider_id!("tp", "system"),
            provider_id("tp", "system", "")
        );
    }
}
