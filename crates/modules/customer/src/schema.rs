//! Diesel schema of the customer module's tables (`migrations/customer/*`).

diesel::table! {
    customer (id) {
        id -> Text,
        company_name -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        has_account -> Bool,
        metadata -> Nullable<Jsonb>,
        created_by -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    customer_address (id) {
        id -> Text,
        customer_id -> Text,
        address_name -> Nullable<Text>,
        is_default_shipping -> Bool,
        is_default_billing -> Bool,
        company -> Nullable<Text>,
        first_name -> Nullable<Text>,
        last_name -> Nullable<Text>,
        address_1 -> Nullable<Text>,
        address_2 -> Nullable<Text>,
        city -> Nullable<Text>,
        country_code -> Nullable<Text>,
        province -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        phone -> Nullable<Text>,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    customer_group (id) {
        id -> Text,
        name -> Text,
        metadata -> Nullable<Jsonb>,
        created_by -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    customer_group_customer (id) {
        id -> Text,
        customer_id -> Text,
        customer_group_id -> Text,
        metadata -> Nullable<Jsonb>,
        created_by -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(customer_address -> customer (customer_id));
diesel::joinable!(customer_group_customer -> customer (customer_id));
diesel::joinable!(customer_group_customer -> customer_group (customer_group_id));
diesel::allow_tables_to_appear_in_same_query!(
    customer,
    customer_address,
    customer_group,
    customer_group_customer
);
