-- The offer outbox: an offer is committed by the dispatch transaction and pushed to the
-- phone afterwards; a workers process killed (or Redis gone) in between left the phone
-- unaware until the offer timed out (120 s). pushed_at is set once the push went out;
-- the leader's sweep pushes again every pending offer still without it after a few
-- seconds. Offers made before this migration count as pushed (a stable default fills
-- them without rewriting the table); new ones start unpushed.
ALTER TABLE dispatch_offers ADD COLUMN pushed_at timestamptz DEFAULT now();
ALTER TABLE dispatch_offers ALTER COLUMN pushed_at DROP DEFAULT;
CREATE INDEX dispatch_offers_unpushed ON dispatch_offers (offered_at) WHERE outcome = 'pending' AND pushed_at IS NULL;
