-- Statistics read a town's incidents over a period: one range scan per town, instead of
-- the period for every town (incidents_reported) or every state of the town
-- (incidents_town_state). Yellow cards already have (town_id, given_at) for a town;
-- an account of every town reads the period's cards by given_at.
CREATE INDEX incidents_town_reported ON incidents (town_id, reported_at);
CREATE INDEX yellow_cards_given ON yellow_cards (given_at);
