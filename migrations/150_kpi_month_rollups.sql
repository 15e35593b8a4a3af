-- KPI partial sums per queue and agent per local month of each registered zone: the sum
-- of the month's day rows, kept in step by the fold in the same statement that adds a
-- batch to the days. `days` counts the month's agent-days (day rows with logged-in time),
-- which cannot be summed from the month's sums. A year by month reads twelve rows per
-- queue or agent, plus the days of a month the range cuts.
CREATE TABLE kpi_rollups_month (LIKE kpi_rollups_day INCLUDING DEFAULTS);
ALTER TABLE kpi_rollups_month
  DROP COLUMN day,
  ADD COLUMN month date NOT NULL CHECK (extract(day FROM month) = 1),
  ADD COLUMN days integer NOT NULL DEFAULT 0,
  ADD CHECK (kind IN ('q', 'a')),
  ADD PRIMARY KEY (kind, zone, month, subject);

INSERT INTO kpi_rollups_month (kind, subject, zone, month, offered, answered, waits, wait_ms_answered, abandoned,
    short_abandoned, overflowed_in, overflowed_out, talk_ms, hold_ms, wrap_up_ms, logged_in_ms, ready_ms, reserved_ms,
    on_call_ms, not_ready_ms, not_ready_by_reason, logouts, transfers, fcr_eligible, fcr_repeats, surveys, ratings, days)
SELECT kind, subject, zone, date_trunc('month', day)::date,
    sum(offered), sum(answered), kpi_jsonb_sum(waits), sum(wait_ms_answered), sum(abandoned),
    sum(short_abandoned), sum(overflowed_in), sum(overflowed_out), sum(talk_ms), sum(hold_ms), sum(wrap_up_ms),
    sum(logged_in_ms), sum(ready_ms), sum(reserved_ms), sum(on_call_ms), sum(not_ready_ms), kpi_jsonb_sum(not_ready_by_reason),
    sum(logouts), sum(transfers), sum(fcr_eligible), kpi_jsonb_sum(fcr_repeats), sum(surveys), kpi_jsonb_sum(ratings),
    count(*) FILTER (WHERE logged_in_ms > 0)
  FROM kpi_rollups_day
 GROUP BY 1, 2, 3, 4;
