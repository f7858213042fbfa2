//! Product tags: list, retrieve, create, update, soft delete, restore.

use super::value_entities::value_entity;

value_entity! {
    table: product_tag,
    model: ProductTag,
    id_prefix: TAG,
    event: ProductTag,
    not_found: "ProductTag",
    route: "product-tags",
    words: ("tag", "tags"),
    filter: TagFilter,
    create_input: CreateTagInput,
    update_input: UpdateTagInput,
    methods: {
        list: list_tags,
        retrieve: retrieve_tag,
        create: create_tags,
        update: update_tag,
        soft_delete: soft_delete_tags,
        restore: restore_tags,
    },
    soft_delete_note: "Products keep their pivot rows, so a restore brings the tag back on them.",
}
