DROP TABLE IF EXISTS product_variant_option;
DROP TABLE IF EXISTS product_category_product;
DROP TABLE IF EXISTS product_tags;
