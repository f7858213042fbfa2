//! A read-only map from a type to its one shared instance: how workflow steps
//! and other framework code reach the modules of the application without
//! depending on the framework crate.
//!
//! The framework fills it with every built module (and shared services such
//! as Query) once at start-up; afterwards it is only read.
//!
//! ```
//! use std::sync::Arc;
//! use stheno_module_sdk::services::Services;
//!
//! struct Greeter(&'static str);
//!
//! let services = Services::builder().with(Arc::new(Greeter("hello"))).build();
//! assert_eq!(services.get::<Greeter>().unwrap().0, "hello");
//! assert!(services.get::<String>().is_none());
//! ```

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use crate::{Error, Module};

type Instance = Arc<dyn Any + Send + Sync>;

/// Cheap to clone (two `Arc`s).
#[derive(Clone, Default)]
pub struct Services {
    map: Arc<HashMap<TypeId, Instance>>,
    /// Values created on first use ([`Services::get_or_init`]).
    lazy: Arc<RwLock<HashMap<TypeId, Instance>>>,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services")
            .field("len", &self.map.len())
            .finish()
    }
}

impl Services {
    pub fn builder() -> ServicesBuilder {
        ServicesBuilder::default()
    }

    /// The instance of `T`, if one was registered or created by
    /// [`get_or_init`](Self::get_or_init).
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let key = TypeId::of::<T>();
        let found = match self.map.get(&key) {
            Some(i) => Some(i.clone()),
            None => self
                .lazy
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned(),
        };
        found.and_then(|i| i.downcast::<T>().ok())
    }

    /// The one `T` of this application, created by `init` on first use:
    /// state that every request, step and worker shares (sessions,
    /// rate-limit counters), whoever asks first. Clones of these services
    /// see the same value.
    ///
    /// ```
    /// use stheno_module_sdk::services::Services;
    /// let services = Services::builder().build();
    /// let a = services.get_or_init(|| String::from("made once"));
    /// let b = services.clone().get_or_init(|| String::from("not again"));
    /// assert_eq!((a.as_str(), b.as_str()), ("made once", "made once"));
    /// assert_eq!(services.get::<String>().unwrap().as_str(), "made once");
    /// ```
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        if let Some(found) = self.get::<T>() {
            return found;
        }
        let mut lazy = self.lazy.write().unwrap_or_else(|e| e.into_inner());
        lazy.entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()))
            .clone()
            .downcast::<T>()
            .expect("keyed by its TypeId")
    }

    /// The instance of `T`, or an `unexpected_state` error naming the type.
    pub fn require<T: Any + Send + Sync>(&self) -> Result<Arc<T>, Error> {
        self.get::<T>().ok_or_else(|| {
            Error::internal(format!(
                "`{}` is not available in this application",
                type_name::<T>()
            ))
        })
    }

    /// The module `M`, or an error naming the crate to add.
    pub fn module<M: Module>(&self) -> Result<Arc<M>, Error> {
        self.get::<M>().ok_or_else(|| {
            Error::internal(format!(
                "module `{}` is not part of this application: add its crate to the binary",
                M::KEY
            ))
        })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Collects instances; a later instance of the same type replaces the earlier.
#[derive(Default)]
pub struct ServicesBuilder {
    map: HashMap<TypeId, Instance>,
}

impl ServicesBuilder {
    pub fn with<T: Any + Send + Sync>(mut self, instance: Arc<T>) -> Self {
        self.map.insert(TypeId::of::<T>(), instance);
        self
    }

    /// An instance already erased, keyed by the `TypeId` of its concrete type.
    pub fn with_erased(mut self, type_id: TypeId, instance: Instance) -> Self {
        self.map.insert(type_id, instance);
        self
    }

    pub fn build(self) -> Services {
        Services {
            map: Arc::new(self.map),
            lazy: Arc::default(),
        }
    }
}
