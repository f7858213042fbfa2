//! Product types: list, retrieve, create, update, soft delete, restore.

use super::value_entities::value_entity;

value_entity! {
    table: product_type,
    model: ProductType,
    id_prefix: TYPE,
    event: ProductType,
    not_found: "ProductType",
    route: "product-types",
    words: ("type", "types"),
    filter: TypeFilter,
    create_input: CreateTypeInput,
    update_input: UpdateTypeInput,
    methods: {
        list: list_types,
        retrieve: retrieve_type,
        create: create_types,
        update: update_type,
        soft_delete: soft_delete_types,
        restore: restore_types,
    },
    soft_delete_note: "Products keep their `type_id`, so a restore brings the type back on them.",
}
