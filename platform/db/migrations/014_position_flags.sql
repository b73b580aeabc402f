-- A well-formed fix from a known phone is always kept (a refusal would stop Traccar
-- Client, which resends its oldest fix until it gets 200). What the checks dislike is
-- a flag on the stored fix instead, as bits: 1 late (older than the late window: history
-- only), 2 clock_ahead (stored at the receive time; the phone's own time in device_time),
-- 4 fast (a vehicle), 8 outlier (a jump: left out of grid events, coverage, traces and
-- dispatch until the next fixes confirm it). Added with a constant default: no rewrite.
ALTER TABLE positions ADD COLUMN flags smallint NOT NULL DEFAULT 0;
ALTER TABLE positions ADD COLUMN device_time timestamptz;

-- The last flagged or refused fix of each (day, device, reason), so a dispatcher sees
-- what the phone sent (its time, place, speed), not only how often.
ALTER TABLE fix_rejections ADD COLUMN last_example jsonb;
