DROP TABLE IF EXISTS stock_location;
DROP TABLE IF EXISTS stock_location_address;
