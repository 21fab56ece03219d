ALTER TABLE sites DROP COLUMN public_holidays_json;
