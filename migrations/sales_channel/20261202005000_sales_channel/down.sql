DROP TABLE IF EXISTS sales_channel;
