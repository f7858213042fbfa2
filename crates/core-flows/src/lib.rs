//! Stheno's core workflows (Medusa's `core-flows`): every admin mutation of
//! a commerce module as a [`Workflow`](stheno_workflow_sdk::Workflow) of
//! steps that can be undone. [`accounts`] links auth identities to new
//! customers and users; [`customer`] changes customers, their addresses and
//! customer groups; [`user`] admin users and invites.
//!
//! Routes never write to a module directly: they run one of these
//! workflows on the container's engine and answer with its result. Each
//! workflow is a public constructor function named after Medusa's workflow
//! (`create_products()` is `create-products`); its steps are public too, so
//! an application can compose them into its own workflows.
//!
//! Every step that writes has a compensation:
//!
//! - a create is undone by deleting for good what it created;
//! - an update reads the previous state first and is undone by writing it
//!   back;
//! - a (soft) delete is undone by restoring the rows it deleted.
//!
//! Steps raise Medusa's *workflow* events (`product.created`,
//! `product-collection.deleted`, payload `{id}`) through
//! [`StepContext::emit`](stheno_workflow_sdk::StepContext::emit): they reach
//! the event bus only if the whole workflow succeeds. The modules' own
//! events (`product.product.created`, …) are emitted by the module after
//! each commit and are *not* held back by a workflow that later reverts;
//! the compensation then emits the matching `deleted`/`updated`/`restored`
//! module events.
//!
//! ```no_run
//! # async fn demo(engine: &stheno_workflow_sdk::WorkflowEngine) -> stheno_module_sdk::Result<()> {
//! use stheno_core_flows::product::create_collections;
//! use stheno_product::CreateProductCollection;
//!
//! let created = engine
//!     .run(&create_collections(), vec![CreateProductCollection::new("Summer")])
//!     .await
//!     .result?;
//! assert_eq!(created[0].handle, "summer");
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod channels;
pub mod customer;
pub mod domain;
pub mod entity;
pub mod inventory;
pub mod links;
pub mod pricing;
pub mod product;
pub mod region;
pub mod store;
pub mod tax;
pub mod user;
