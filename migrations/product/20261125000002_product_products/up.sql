-- Product module: products, options (global since Medusa 2.16, linked to
-- products through product_product_option), variants and images.

CREATE TABLE product (
    id             text PRIMARY KEY,
    title          text NOT NULL,
    handle         text NOT NULL,
    subtitle       text,
    description    text,
    is_giftcard    boolean NOT NULL DEFAULT false,
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'proposed', 'published', 'rejected')),
    thumbnail      text,
    weight         real,
    length         real,
    height         real,
    width          real,
    origin_country text,
    hs_code        text,
    mid_code       text,
    material       text,
    collection_id  text REFERENCES product_collection (id) ON DELETE SET NULL,
    type_id        text REFERENCES product_type (id) ON DELETE SET NULL,
    discountable   boolean NOT NULL DEFAULT true,
    external_id    text,
    metadata       jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz
);
CREATE UNIQUE INDEX "IDX_product_handle_unique" ON product (handle) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_status" ON product (status) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_collection_id" ON product (collection_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_type_id" ON product (type_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_created_at" ON product (created_at);
CREATE INDEX "IDX_product_deleted_at" ON product (deleted_at);

CREATE TABLE product_option (
    id           text PRIMARY KEY,
    title        text NOT NULL,
    is_exclusive boolean NOT NULL DEFAULT false,
    metadata     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
-- Global (shareable) option titles are unique; exclusive ones are private to
-- one product and may repeat.
CREATE UNIQUE INDEX "IDX_option_title_unique" ON product_option (title)
    WHERE deleted_at IS NULL AND is_exclusive = false;
CREATE INDEX "IDX_product_option_deleted_at" ON product_option (deleted_at);

CREATE TABLE product_option_value (
    id         text PRIMARY KEY,
    value      text NOT NULL,
    rank       integer,
    option_id  text REFERENCES product_option (id) ON DELETE CASCADE,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_option_value_option_id_unique" ON product_option_value (option_id, value)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_option_value_option_id" ON product_option_value (option_id, rank)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_option_value_deleted_at" ON product_option_value (deleted_at);

CREATE TABLE product_product_option (
    id                text PRIMARY KEY,
    product_id        text NOT NULL REFERENCES product (id),
    product_option_id text NOT NULL REFERENCES product_option (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE UNIQUE INDEX "IDX_product_product_option_unique"
    ON product_product_option (product_id, product_option_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_product_option_product_option_id"
    ON product_product_option (product_option_id) WHERE deleted_at IS NULL;

CREATE TABLE product_product_option_value (
    id                        text PRIMARY KEY,
    product_product_option_id text NOT NULL REFERENCES product_product_option (id) ON DELETE CASCADE,
    product_option_value_id   text NOT NULL REFERENCES product_option_value (id) ON DELETE CASCADE,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    deleted_at                timestamptz
);
CREATE UNIQUE INDEX "IDX_product_product_option_value_unique"
    ON product_product_option_value (product_product_option_id, product_option_value_id)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_product_option_value_value_id"
    ON product_product_option_value (product_option_value_id) WHERE deleted_at IS NULL;

CREATE TABLE product_variant (
    id              text PRIMARY KEY,
    title           text NOT NULL,
    sku             text,
    barcode         text,
    ean             text,
    upc             text,
    allow_backorder boolean NOT NULL DEFAULT false,
    manage_inventory boolean NOT NULL DEFAULT true,
    hs_code         text,
    origin_country  text,
    mid_code        text,
    material        text,
    weight          real,
    length          real,
    height          real,
    width           real,
    variant_rank    integer DEFAULT 0,
    thumbnail       text,
    product_id      text REFERENCES product (id) ON DELETE CASCADE,
    metadata        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE UNIQUE INDEX "IDX_product_variant_sku_unique" ON product_variant (sku) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "IDX_product_variant_barcode_unique" ON product_variant (barcode) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "IDX_product_variant_ean_unique" ON product_variant (ean) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "IDX_product_variant_upc_unique" ON product_variant (upc) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_variant_product_id" ON product_variant (product_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_variant_deleted_at" ON product_variant (deleted_at);

CREATE TABLE image (
    id         text PRIMARY KEY,
    url        text NOT NULL,
    rank       integer NOT NULL DEFAULT 0,
    product_id text NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX "IDX_product_image_url" ON image (url) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_image_product_id" ON image (product_id, rank) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_image_deleted_at" ON image (deleted_at);

CREATE TABLE product_variant_product_image (
    id         text PRIMARY KEY,
    variant_id text NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    image_id   text NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX "IDX_product_variant_product_image_unique"
    ON product_variant_product_image (variant_id, image_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_variant_product_image_image_id"
    ON product_variant_product_image (image_id) WHERE deleted_at IS NULL;
