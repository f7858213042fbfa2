DROP TABLE IF EXISTS "region_country";
DROP TABLE IF EXISTS "region";
