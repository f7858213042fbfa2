//! The example server with the brand module added to the default modules.
//!
//! ```text
//! STHENO_ADMIN_SECRET=s cargo run -p custom-module
//! curl -H 'Authorization: Bearer s' -d '{"name":"Acme"}' -H 'content-type: application/json' localhost:9000/admin/brands
//! ```

use custom_module::BrandModule;

fn main() -> anyhow::Result<()> {
    stheno::App::from_env()?
        .with_default_modules()
        .module::<BrandModule>()
        .run()
}
