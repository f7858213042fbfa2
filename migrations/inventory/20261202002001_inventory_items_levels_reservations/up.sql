-- Inventory module: inventory items, their levels per stock location and
-- reservations against those levels.

CREATE TABLE inventory_item (
    id                text PRIMARY KEY,
    sku               text,
    origin_country    text,
    hs_code           text,
    mid_code          text,
    material          text,
    unit_of_measure   text,
    weight            integer,
    length            integer,
    height            integer,
    width             integer,
    requires_shipping boolean NOT NULL DEFAULT true,
    description       text,
    title             text,
    thumbnail         text,
    metadata          jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE UNIQUE INDEX "IDX_inventory_item_sku" ON inventory_item (sku) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_inventory_item_deleted_at" ON inventory_item (deleted_at);

-- Quantities are Medusa's bigNumber: a numeric column and its raw_ twin
-- {value, precision: 20}. available_quantity = stocked - reserved. The
-- trigger below keeps the twins and available_quantity in step with the
-- numbers on every write, whoever writes.
CREATE TABLE inventory_level (
    id                    text PRIMARY KEY,
    inventory_item_id     text NOT NULL REFERENCES inventory_item (id) ON DELETE CASCADE,
    location_id           text NOT NULL,
    stocked_quantity      numeric NOT NULL DEFAULT 0,
    raw_stocked_quantity  jsonb NOT NULL DEFAULT '{"value":"0","precision":20}'::jsonb,
    reserved_quantity     numeric NOT NULL DEFAULT 0,
    raw_reserved_quantity jsonb NOT NULL DEFAULT '{"value":"0","precision":20}'::jsonb,
    incoming_quantity     numeric NOT NULL DEFAULT 0,
    raw_incoming_quantity jsonb NOT NULL DEFAULT '{"value":"0","precision":20}'::jsonb,
    available_quantity    numeric NOT NULL DEFAULT 0,
    metadata              jsonb,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz
);
CREATE UNIQUE INDEX "IDX_inventory_level_item_location" ON inventory_level (inventory_item_id, location_id)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_inventory_level_location_id" ON inventory_level (location_id);
CREATE INDEX "IDX_inventory_level_deleted_at" ON inventory_level (deleted_at);

CREATE TABLE reservation_item (
    id                text PRIMARY KEY,
    inventory_item_id text NOT NULL REFERENCES inventory_item (id) ON DELETE CASCADE,
    line_item_id      text,
    location_id       text NOT NULL,
    quantity          numeric NOT NULL,
    raw_quantity      jsonb NOT NULL DEFAULT '{"value":"0","precision":20}'::jsonb,
    allow_backorder   boolean NOT NULL DEFAULT false,
    external_id       text,
    description       text,
    created_by        text,
    metadata          jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
CREATE INDEX "IDX_reservation_item_inventory_item_id" ON reservation_item (inventory_item_id);
CREATE INDEX "IDX_reservation_item_line_item_id" ON reservation_item (line_item_id);
CREATE INDEX "IDX_reservation_item_location_id" ON reservation_item (location_id);
CREATE INDEX "IDX_reservation_item_deleted_at" ON reservation_item (deleted_at);

-- Medusa's raw value: the number as text, trailing zeros trimmed.
CREATE FUNCTION inventory_raw(n numeric) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('value', trim_scale(n)::text, 'precision', 20)
$$;

CREATE FUNCTION inventory_level_derived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.raw_stocked_quantity := inventory_raw(NEW.stocked_quantity);
    NEW.raw_reserved_quantity := inventory_raw(NEW.reserved_quantity);
    NEW.raw_incoming_quantity := inventory_raw(NEW.incoming_quantity);
    NEW.available_quantity := NEW.stocked_quantity - NEW.reserved_quantity;
    RETURN NEW;
END
$$;
CREATE TRIGGER inventory_level_derived BEFORE INSERT OR UPDATE ON inventory_level
    FOR EACH ROW EXECUTE FUNCTION inventory_level_derived();

CREATE FUNCTION reservation_item_derived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.raw_quantity := inventory_raw(NEW.quantity);
    RETURN NEW;
END
$$;
CREATE TRIGGER reservation_item_derived BEFORE INSERT OR UPDATE ON reservation_item
    FOR EACH ROW EXECUTE FUNCTION reservation_item_derived();
