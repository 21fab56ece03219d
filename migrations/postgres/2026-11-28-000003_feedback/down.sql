DROP TABLE snapshot_publications;
DROP TABLE place_crowding;
DROP TABLE place_aggregates;
DROP TABLE idempotency_keys;
DROP TABLE plan_feedback;
DROP TABLE ratings;
