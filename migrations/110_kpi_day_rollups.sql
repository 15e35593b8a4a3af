-- KPI partial sums per queue and agent per local day, for each zone registered in
-- kpi_rollup_day_zones (the reports' zone and UTC; the rollup worker registers them at
-- start and fills a new zone's days from the quarter-hour rows). The fold adds each
-- batch's deltas to both tiers in one transaction, so a day row is always exactly the sum
-- of its quarter hours. A year of day or month intervals reads 365 rows per queue or
-- agent instead of 35,000, and the days outlive the quarter hours (src/retention).
CREATE TABLE kpi_rollup_day_zones (
  zone      text PRIMARY KEY,
  added_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kpi_rollups_day (LIKE kpi_rollups INCLUDING DEFAULTS);
ALTER TABLE kpi_rollups_day
  DROP COLUMN bucket,
  ADD COLUMN zone text NOT NULL,
  ADD COLUMN day date NOT NULL,
  ADD CHECK (kind IN ('q', 'a')),
  ADD PRIMARY KEY (kind, zone, day, subject);
CREATE INDEX kpi_rollups_day_subject_idx ON kpi_rollups_day (kind, zone, subject, day);

-- Retention removes the oldest rows of both tiers in small batches.
CREATE INDEX kpi_rollups_bucket_brin ON kpi_rollups USING brin (bucket);
CREATE INDEX kpi_rollups_day_brin ON kpi_rollups_day USING brin (day);
