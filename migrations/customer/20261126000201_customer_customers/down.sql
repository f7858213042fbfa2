DROP TABLE customer_group_customer;
DROP TABLE customer_group;
DROP TABLE customer_address;
DROP TABLE customer;
