-- A planner's map file carries more than code, name and village (OBJECTID, Shape_Area,
-- 所属街道, 面积 …). Those attributes are kept with the grid, under their own names, and
-- go back out with an export; they never stop an import.
ALTER TABLE plan_grids ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE grid_versions ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
