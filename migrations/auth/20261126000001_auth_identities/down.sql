DROP TABLE auth_one_time;
DROP TABLE provider_identity;
DROP TABLE auth_identity;
