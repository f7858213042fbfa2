-- Pricing module: price sets, prices and their rules, price lists and their
-- rules, price preferences. Amounts are bigNumbers: a numeric column plus its
-- raw_<column> jsonb twin {value, precision: 20}.

CREATE TABLE price_set (
    id         text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX "IDX_price_set_deleted_at" ON price_set (deleted_at) WHERE deleted_at IS NULL;

CREATE TABLE price_list (
    id          text PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL,
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('active', 'draft')),
    type        text NOT NULL DEFAULT 'sale' CHECK (type IN ('sale', 'override')),
    starts_at   timestamptz,
    ends_at     timestamptz,
    rules_count integer NOT NULL DEFAULT 0,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX "IDX_price_list_deleted_at" ON price_list (deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_list_status_dates" ON price_list (status, starts_at, ends_at)
    WHERE deleted_at IS NULL;

CREATE TABLE price_list_rule (
    id            text PRIMARY KEY,
    attribute     text NOT NULL,
    value         jsonb,
    price_list_id text NOT NULL REFERENCES price_list (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz
);
CREATE INDEX "IDX_price_list_rule_price_list_id" ON price_list_rule (price_list_id)
    WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_list_rule_attribute" ON price_list_rule (attribute) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_list_rule_value" ON price_list_rule USING gin (value) WHERE deleted_at IS NULL;

CREATE TABLE price (
    id               text PRIMARY KEY,
    title            text,
    currency_code    text NOT NULL,
    amount           numeric NOT NULL,
    raw_amount       jsonb NOT NULL,
    min_quantity     numeric,
    raw_min_quantity jsonb,
    max_quantity     numeric,
    raw_max_quantity jsonb,
    rules_count      integer NOT NULL DEFAULT 0,
    price_set_id     text NOT NULL REFERENCES price_set (id) ON DELETE CASCADE,
    price_list_id    text REFERENCES price_list (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE INDEX "IDX_price_price_set_id" ON price (price_set_id, currency_code) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_price_list_id" ON price (price_list_id) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_currency_code" ON price (currency_code) WHERE deleted_at IS NULL;

CREATE TABLE price_rule (
    id         text PRIMARY KEY,
    attribute  text NOT NULL,
    value      text NOT NULL,
    operator   text NOT NULL DEFAULT 'eq' CHECK (operator IN ('gte', 'lte', 'gt', 'lt', 'eq')),
    priority   integer NOT NULL DEFAULT 0,
    price_id   text NOT NULL REFERENCES price (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
-- One rule per attribute and operator on a price (a range takes two).
CREATE UNIQUE INDEX "IDX_price_rule_price_id_attribute_operator_unique"
    ON price_rule (price_id, attribute, operator) WHERE deleted_at IS NULL;
CREATE INDEX "IDX_price_rule_attribute_value" ON price_rule (attribute, value) WHERE deleted_at IS NULL;

CREATE TABLE price_preference (
    id               text PRIMARY KEY,
    attribute        text NOT NULL,
    value            text,
    is_tax_inclusive boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz
);
CREATE UNIQUE INDEX "IDX_price_preference_attribute_value" ON price_preference (attribute, value)
    WHERE deleted_at IS NULL;
