DROP TABLE IF EXISTS reservation_item;
DROP TABLE IF EXISTS inventory_level;
DROP TABLE IF EXISTS inventory_item;
DROP FUNCTION IF EXISTS reservation_item_derived();
DROP FUNCTION IF EXISTS inventory_level_derived();
DROP FUNCTION IF EXISTS inventory_raw(numeric);
