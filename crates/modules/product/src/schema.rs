//! Diesel schema of the product module's tables
//! (`migrations/product/*`).

diesel::table! {
    product (id) {
        id -> Text,
        title -> Text,
        handle -> Text,
        subtitle -> Nullable<Text>,
        description -> Nullable<Text>,
        is_giftcard -> Bool,
        status -> Text,
        thumbnail -> Nullable<Text>,
        weight -> Nullable<Float4>,
        length -> Nullable<Float4>,
        height -> Nullable<Float4>,
        width -> Nullable<Float4>,
        origin_country -> Nullable<Text>,
        hs_code -> Nullable<Text>,
        mid_code -> Nullable<Text>,
        material -> Nullable<Text>,
        collection_id -> Nullable<Text>,
        type_id -> Nullable<Text>,
        discountable -> Bool,
        external_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_variant (id) {
        id -> Text,
        title -> Text,
        sku -> Nullable<Text>,
        barcode -> Nullable<Text>,
        ean -> Nullable<Text>,
        upc -> Nullable<Text>,
        allow_backorder -> Bool,
        manage_inventory -> Bool,
        hs_code -> Nullable<Text>,
        origin_country -> Nullable<Text>,
        mid_code -> Nullable<Text>,
        material -> Nullable<Text>,
        weight -> Nullable<Float4>,
        length -> Nullable<Float4>,
        height -> Nullable<Float4>,
        width -> Nullable<Float4>,
        variant_rank -> Nullable<Int4>,
        thumbnail -> Nullable<Text>,
        product_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_option (id) {
        id -> Text,
        title -> Text,
        is_exclusive -> Bool,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_option_value (id) {
        id -> Text,
        value -> Text,
        rank -> Nullable<Int4>,
        option_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_product_option (id) {
        id -> Text,
        product_id -> Text,
        product_option_id -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_product_option_value (id) {
        id -> Text,
        product_product_option_id -> Text,
        product_option_value_id -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    image (id) {
        id -> Text,
        url -> Text,
        rank -> Int4,
        product_id -> Text,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_variant_product_image (id) {
        id -> Text,
        variant_id -> Text,
        image_id -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_type (id) {
        id -> Text,
        value -> Text,
        external_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_tag (id) {
        id -> Text,
        value -> Text,
        external_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_collection (id) {
        id -> Text,
        title -> Text,
        handle -> Text,
        external_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_category (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        handle -> Text,
        mpath -> Text,
        is_active -> Bool,
        is_internal -> Bool,
        rank -> Int4,
        external_id -> Nullable<Text>,
        parent_category_id -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_tags (product_id, product_tag_id) {
        product_id -> Text,
        product_tag_id -> Text,
    }
}

diesel::table! {
    product_category_product (product_id, product_category_id) {
        product_id -> Text,
        product_category_id -> Text,
    }
}

diesel::table! {
    product_variant_option (variant_id, option_value_id) {
        variant_id -> Text,
        option_value_id -> Text,
    }
}

diesel::joinable!(product -> product_collection (collection_id));
diesel::joinable!(product -> product_type (type_id));
diesel::joinable!(product_variant -> product (product_id));
diesel::joinable!(product_option_value -> product_option (option_id));
diesel::joinable!(product_product_option -> product (product_id));
diesel::joinable!(product_product_option -> product_option (product_option_id));
diesel::joinable!(product_product_option_value -> product_product_option (product_product_option_id));
diesel::joinable!(product_product_option_value -> product_option_value (product_option_value_id));
diesel::joinable!(image -> product (product_id));
diesel::joinable!(product_variant_product_image -> product_variant (variant_id));
diesel::joinable!(product_variant_product_image -> image (image_id));
diesel::joinable!(product_tags -> product (product_id));
diesel::joinable!(product_tags -> product_tag (product_tag_id));
diesel::joinable!(product_category_product -> product (product_id));
diesel::joinable!(product_category_product -> product_category (product_category_id));
diesel::joinable!(product_variant_option -> product_variant (variant_id));
diesel::joinable!(product_variant_option -> product_option_value (option_value_id));

diesel::allow_tables_to_appear_in_same_query!(
    product,
    product_variant,
    product_option,
    product_option_value,
    product_product_option,
    product_product_option_value,
    image,
    product_variant_product_image,
    product_type,
    product_tag,
    product_collection,
    product_category,
    product_tags,
    product_category_product,
    product_variant_option,
);
