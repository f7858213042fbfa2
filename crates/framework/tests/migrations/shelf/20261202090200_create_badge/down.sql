DROP TABLE badge;
