//! The Stheno runtime: configuration, module loading, migrations, the
//! container, Query and the command line.
//!
//! Start reading at [`boot::boot`]: it loads [`Config`], connects to
//! PostgreSQL (creating the database if missing), orders the registered
//! modules by dependency ([`loader`]), runs their migrations ([`migrate`]),
//! builds them and returns a [`Container`]. The HTTP server lives in
//! `stheno-http`; the `stheno` facade crate wires both behind one `App`.
//! [`generate`] writes a module's migration from its `#[entity]`
//! declarations (`db generate <module>`).

pub mod boot;
pub mod cli;
pub mod config;
pub mod container;
pub mod database;
pub mod generate;
pub mod loader;
pub mod migrate;
pub mod query;
#[cfg(feature = "testing")]
pub mod testing;

pub use boot::{BootError, boot};
pub use config::Config;
pub use container::Container;
pub use query::Query;
