-- Product module: catalog entities products refer to (types, tags,
-- collections, categories).

CREATE TABLE product_type (
    id          text PRIMARY KEY,
    value       text NOT NULL,
    external_id text,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX "IDX_type_value_unique" ON product_type (value) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_type_deleted_at" ON product_type (deleted_at);

CREATE TABLE product_tag (
    id          text PRIMARY KEY,
    value       text NOT NULL,
    external_id text,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX "IDX_tag_value_unique" ON product_tag (value) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_tag_deleted_at" ON product_tag (deleted_at);

CREATE TABLE product_collection (
    id          text PRIMARY KEY,
    title       text NOT NULL,
    handle      text NOT NULL,
    external_id text,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE UNIQUE INDEX "IDX_collection_handle_unique" ON product_collection (handle) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_collection_deleted_at" ON product_collection (deleted_at);

CREATE TABLE product_category (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    description        text NOT NULL DEFAULT '',
    handle             text NOT NULL,
    mpath              text NOT NULL,
    is_active          boolean NOT NULL DEFAULT false,
    is_internal        boolean NOT NULL DEFAULT false,
    rank               integer NOT NULL DEFAULT 0,
    external_id        text,
    parent_category_id text REFERENCES product_category (id) ON DELETE CASCADE,
    metadata           jsonb,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz
);
CREATE UNIQUE INDEX "IDX_category_handle_unique" ON product_category (handle) WHERE deleted_at IS NULL;
-- text_pattern_ops so `mpath LIKE 'prefix%'` (subtree lookups) can use the index.
CREATE INDEX "IDX_product_category_path" ON product_category (mpath text_pattern_ops) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_category_parent_category_id" ON product_category (parent_category_id, rank) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_product_category_deleted_at" ON product_category (deleted_at);
