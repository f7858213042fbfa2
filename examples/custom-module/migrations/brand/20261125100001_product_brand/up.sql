-- Which brand a product belongs to: a link owned by the brand module (no
-- foreign key into the product module's tables).
CREATE TABLE product_brand (
    product_id text PRIMARY KEY,
    brand_id   text NOT NULL REFERENCES brand (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_product_brand_brand_id ON product_brand (brand_id);
