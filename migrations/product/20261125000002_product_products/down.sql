DROP TABLE IF EXISTS product_variant_product_image;
DROP TABLE IF EXISTS image;
DROP TABLE IF EXISTS product_variant;
DROP TABLE IF EXISTS product_product_option_value;
DROP TABLE IF EXISTS product_product_option;
DROP TABLE IF EXISTS product_option_value;
DROP TABLE IF EXISTS product_option;
DROP TABLE IF EXISTS product;
