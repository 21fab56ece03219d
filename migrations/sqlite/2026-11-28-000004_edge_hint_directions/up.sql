-- Edge hints by walking direction: `hint` is for walking from → to, `hint_reverse` for to → from;
-- `hint_both_ways` shows `hint` either way; `hint_step_free` keeps the hints to step-free routes.
ALTER TABLE graph_edges ADD COLUMN hint_reverse_zh TEXT;
ALTER TABLE graph_edges ADD COLUMN hint_reverse_en TEXT;
ALTER TABLE graph_edges ADD COLUMN hint_both_ways BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE graph_edges ADD COLUMN hint_step_free BOOLEAN NOT NULL DEFAULT FALSE;
