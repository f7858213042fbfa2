-- Stock location module: stock locations and their addresses.

CREATE TABLE stock_location_address (
    id           text PRIMARY KEY,
    address_1    text NOT NULL,
    address_2    text,
    company      text,
    phone        text,
    city         text,
    country_code text NOT NULL,
    province     text,
    postal_code  text,
    metadata     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX "IDX_stock_location_address_deleted_at" ON stock_location_address (deleted_at);

CREATE TABLE stock_location (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    -- Deleting the address deletes the location (Medusa's cascade).
    address_id text REFERENCES stock_location_address (id) ON DELETE CASCADE,
    metadata   jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
-- One location per address.
CREATE UNIQUE INDEX "IDX_stock_location_address_id_unique" ON stock_location (address_id)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_stock_location_deleted_at" ON stock_location (deleted_at);
