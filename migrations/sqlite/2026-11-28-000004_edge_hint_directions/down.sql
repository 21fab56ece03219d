ALTER TABLE graph_edges DROP COLUMN hint_step_free;
ALTER TABLE graph_edges DROP COLUMN hint_both_ways;
ALTER TABLE graph_edges DROP COLUMN hint_reverse_en;
ALTER TABLE graph_edges DROP COLUMN hint_reverse_zh;
