DROP TABLE invite;
DROP TABLE "user";
