-- The dates opening-hours rules call PH, as a JSON array of ISO dates.
ALTER TABLE sites ADD COLUMN public_holidays_json TEXT NOT NULL DEFAULT '[]';
