ALTER TABLE places DROP COLUMN booking;
ALTER TABLE places DROP COLUMN queue_min;
ALTER TABLE places DROP COLUMN container;
ALTER TABLE places DROP COLUMN highlight;
