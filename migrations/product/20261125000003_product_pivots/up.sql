-- Product module: plain many-to-many pivots (no id, no timestamps).

CREATE TABLE product_tags (
    product_id     text NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_tag_id text NOT NULL REFERENCES product_tag (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, product_tag_id)
);
CREATE INDEX "IDX_product_tags_product_tag_id" ON product_tags (product_tag_id);

CREATE TABLE product_category_product (
    product_id          text NOT NULL REFERENCES product (id) ON DELETE CASCADE,
    product_category_id text NOT NULL REFERENCES product_category (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, product_category_id)
);
CREATE INDEX "IDX_product_category_product_category_id" ON product_category_product (product_category_id);

CREATE TABLE product_variant_option (
    variant_id      text NOT NULL REFERENCES product_variant (id) ON DELETE CASCADE,
    option_value_id text NOT NULL REFERENCES product_option_value (id) ON DELETE CASCADE,
    PRIMARY KEY (variant_id, option_value_id)
);
CREATE INDEX "IDX_product_variant_option_option_value_id" ON product_variant_option (option_value_id);
