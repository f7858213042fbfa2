//! The reference Stheno server.
//!
//! ```text
//! cargo run -p basic-store            # migrate and serve on :9000
//! cargo run -p basic-store -- seed    # load the demo catalog
//! cargo run -p basic-store -- migrate
//! ```

mod seed;

// Query results pass through many small JSON allocations; mimalloc serves
// them markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    stheno::App::from_env()?
        .with_default_modules()
        .seed(seed::demo_catalog)
        .run()
}
