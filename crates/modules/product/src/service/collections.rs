//! Product collections: adding and removing products. The rest is the
//! generated service, [`ProductModule::product_collections`].

use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use stheno_module_sdk::{Error, Result, time};

use super::{ProductModule, ensure_found, not_found};
use crate::events::{Action, EventEntity, Events};
use crate::schema::{product, product_collection};

impl ProductModule {
    /// `POST /admin/collections/:id/products {add, remove}`: set
    /// `collection_id` on the added products (moving them from any other
    /// collection) and clear it on removed products that are in this
    /// collection. Emits `product.product.updated` per changed product.
    pub async fn update_collection_products(
        &self,
        collection_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        if let Some(id) = add.iter().find(|id| remove.contains(id)) {
            return Err(Error::invalid_data(format!(
                "Product {id} cannot be both added to and removed from the collection"
            )));
        }
        let now = time::now();
        let collection_id = collection_id.to_string();
        let add = add.to_vec();
        let remove = remove.to_vec();
        let mut conn = self.conn().await?;
        let changed = conn
            .transaction(async move |c| {
                let exists: Option<String> = product_collection::table
                    .find(&collection_id)
                    .filter(product_collection::deleted_at.is_null())
                    .select(product_collection::id)
                    .first(c)
                    .await
                    .optional()?;
                if exists.is_none() {
                    return Err(not_found("ProductCollection", &collection_id));
                }
                let mut changed: Vec<String> = Vec::new();
                if !add.is_empty() {
                    let added: Vec<String> = diesel::update(
                        product::table
                            .filter(product::id.eq_any(&add))
                            .filter(product::deleted_at.is_null()),
                    )
                    .set((
                        product::collection_id.eq(&collection_id),
                        product::updated_at.eq(now),
                    ))
                    .returning(product::id)
                    .get_results(c)
                    .await?;
                    ensure_found("Product", &add, &added)?;
                    changed.extend(added);
                }
                if !remove.is_empty() {
                    let removed: Vec<String> = diesel::update(
                        product::table
                            .filter(product::id.eq_any(&remove))
                            .filter(product::collection_id.eq(&collection_id))
                            .filter(product::deleted_at.is_null()),
                    )
                    .set((
                        product::collection_id.eq(None::<String>),
                        product::updated_at.eq(now),
                    ))
                    .returning(product::id)
                    .get_results(c)
                    .await?;
                    changed.extend(removed);
                }
                Ok::<_, Error>(changed)
            })
            .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::Product, Action::Updated, &changed);
        self.emit(events).await;
        Ok(())
    }
}
