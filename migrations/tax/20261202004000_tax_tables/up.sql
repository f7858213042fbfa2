-- Tax module: providers, the region tree (country regions and their province
-- sub-regions), rates and the rules that point rates at products, product
-- types and shipping options.

CREATE TABLE tax_provider (
    id         text PRIMARY KEY,
    is_enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX "IDX_tax_provider_deleted_at" ON tax_provider (deleted_at);

CREATE TABLE tax_region (
    id            text PRIMARY KEY,
    country_code  text NOT NULL,
    province_code text,
    provider_id   text REFERENCES tax_provider (id) ON DELETE SET NULL,
    parent_id     text REFERENCES tax_region (id) ON DELETE CASCADE,
    metadata      jsonb,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    -- A province region uses its parent's provider.
    CONSTRAINT "CK_tax_region_provider_top_level" CHECK (parent_id IS NULL OR provider_id IS NULL),
    -- Only province regions have a parent.
    CONSTRAINT "CK_tax_region_country_top_level" CHECK (parent_id IS NULL OR province_code IS NOT NULL)
);
CREATE UNIQUE INDEX "IDX_tax_region_unique_country_province" ON tax_region (country_code, province_code)
    WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "IDX_tax_region_unique_country_nullable_province" ON tax_region (country_code)
    WHERE province_code IS NULL AND deleted_at IS NULL;
CREATE INDEX "IDX_tax_region_parent_id" ON tax_region (parent_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_tax_region_provider_id" ON tax_region (provider_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_tax_region_deleted_at" ON tax_region (deleted_at);

CREATE TABLE tax_rate (
    id            text PRIMARY KEY,
    rate          real,
    code          text NOT NULL,
    name          text NOT NULL,
    is_default    boolean NOT NULL DEFAULT false,
    is_combinable boolean NOT NULL DEFAULT false,
    tax_region_id text NOT NULL REFERENCES tax_region (id) ON DELETE CASCADE,
    metadata      jsonb,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
-- One default rate per region.
CREATE UNIQUE INDEX "IDX_single_default_region" ON tax_rate (tax_region_id)
    WHERE is_default = true AND deleted_at IS NULL;
CREATE INDEX "IDX_tax_rate_tax_region_id" ON tax_rate (tax_region_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_tax_rate_deleted_at" ON tax_rate (deleted_at);

CREATE TABLE tax_rate_rule (
    id           text PRIMARY KEY,
    tax_rate_id  text NOT NULL REFERENCES tax_rate (id) ON DELETE CASCADE,
    reference    text NOT NULL,
    reference_id text NOT NULL,
    metadata     jsonb,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CONSTRAINT "CK_tax_rate_rule_reference"
        CHECK (reference IN ('product', 'product_type', 'shipping_option'))
);
CREATE UNIQUE INDEX "IDX_tax_rate_rule_unique_rate_reference" ON tax_rate_rule (tax_rate_id, reference_id)
    WHERE deleted_at IS NULL;
-- get_tax_lines looks rules up by what they point at.
CREATE INDEX "IDX_tax_rate_rule_reference_id" ON tax_rate_rule (reference_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_tax_rate_rule_deleted_at" ON tax_rate_rule (deleted_at);
