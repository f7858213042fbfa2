DROP TABLE IF EXISTS product_category;
DROP TABLE IF EXISTS product_collection;
DROP TABLE IF EXISTS product_tag;
DROP TABLE IF EXISTS product_type;
