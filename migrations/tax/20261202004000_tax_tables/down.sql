DROP TABLE tax_rate_rule;
DROP TABLE tax_rate;
DROP TABLE tax_region;
DROP TABLE tax_provider;
