-- current_positions is rewritten by every fix (a non-HOT update: its point is
-- indexed), so it gathers dead rows fast; vacuum and analyse it far more often
-- than the defaults would.
ALTER TABLE current_positions SET (
  autovacuum_vacuum_scale_factor = 0.02,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_analyze_scale_factor = 0.05,
  autovacuum_vacuum_cost_delay = 0
);
