DROP TABLE product_brand;
