DROP TABLE IF EXISTS "store_locale";
DROP TABLE IF EXISTS "store_currency";
DROP TABLE IF EXISTS "store";
