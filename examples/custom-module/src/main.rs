//! The example server with the brand module added to the default modules.
//!
//! ```text
//! cargo run -p custom-module -- user create --email admin@example.com --password secret
//! cargo run -p custom-module
//! TOKEN=$(curl -s -H 'content-type: application/json' -d '{"email":"admin@example.com","password":"secret"}' localhost:9000/auth/user/emailpass | jq -r .token)
//! curl -H "Authorization: Bearer $TOKEN" -d '{"name":"Acme"}' -H 'content-type: application/json' localhost:9000/admin/brands
//! ```

use custom_module::BrandModule;

fn main() -> anyhow::Result<()> {
    stheno::App::from_env()?
        .with_default_modules()
        .module::<BrandModule>()
        .run()
}
