-- The Sessions and End users pages bring a key's kept totals up to date by taking out the marked
-- hours' rows as last rolled up and adding the hours as they are now (lib/trace-store/rollups.ts,
-- `mergedTotalsSql`), instead of summing every clean hour of the key again: at 10M spans an end
-- user has ~500 hourly rows, and one marked hour touches thousands of end users (1.7-2.7 s for the
-- End users page under steady ingest). The roll-up task keeps both new sums as it sums the totals.
-- Two sums make the merge exact:
--   end_user_seen  when the totals' end user was last seen (the latest of its hourly rows'), so a
--                  marked hour's end user can be compared with it;
--   priced_hours   how many hourly rows have a price, so that the totals' cost can tell "nothing
--                  priced" (null) from 0 once a marked hour's rows are taken out.
ALTER TABLE group_totals ADD COLUMN IF NOT EXISTS end_user_seen timestamptz;
ALTER TABLE group_totals ADD COLUMN IF NOT EXISTS priced_hours integer NOT NULL DEFAULT 0;

UPDATE group_totals t SET end_user_seen = h.end_user_seen, priced_hours = h.priced_hours
FROM (
  SELECT user_id, grouping, key, max(end_user_seen) AS end_user_seen, count(cost_usd)::int AS priced_hours
  FROM group_hourly GROUP BY user_id, grouping, key
) h
WHERE t.user_id = h.user_id AND t.grouping = h.grouping AND t.key = h.key
  AND (t.end_user_seen IS DISTINCT FROM h.end_user_seen OR t.priced_hours <> h.priced_hours);
