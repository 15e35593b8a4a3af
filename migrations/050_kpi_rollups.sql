-- KPI partial sums per queue and agent per UTC quarter hour. Every zone in use today is
-- offset from UTC by whole quarter hours, so these rows compose into 15/30/60-minute,
-- day and month intervals in any such zone. Figures that depend on a query parameter
-- (answered within T, dissatisfied at or below, first-call resolution within N hours)
-- keep small histograms instead of one count, so any parameter is answered from them.
CREATE TABLE kpi_rollups (
  kind                  char(1) NOT NULL CHECK (kind IN ('q', 'a')),
  subject               text NOT NULL,
  bucket                timestamptz NOT NULL,
  offered               integer NOT NULL DEFAULT 0,
  answered              integer NOT NULL DEFAULT 0,
  -- {"ceil(wait seconds)": answered calls}
  waits                 jsonb NOT NULL DEFAULT '{}'::jsonb,
  wait_ms_answered      float8 NOT NULL DEFAULT 0,
  abandoned             integer NOT NULL DEFAULT 0,
  short_abandoned       integer NOT NULL DEFAULT 0,
  overflowed_in         integer NOT NULL DEFAULT 0,
  overflowed_out        integer NOT NULL DEFAULT 0,
  talk_ms               float8 NOT NULL DEFAULT 0,
  hold_ms               float8 NOT NULL DEFAULT 0,
  wrap_up_ms            float8 NOT NULL DEFAULT 0,
  logged_in_ms          float8 NOT NULL DEFAULT 0,
  ready_ms              float8 NOT NULL DEFAULT 0,
  reserved_ms           float8 NOT NULL DEFAULT 0,
  on_call_ms            float8 NOT NULL DEFAULT 0,
  not_ready_ms          float8 NOT NULL DEFAULT 0,
  -- {"reason": ms}
  not_ready_by_reason   jsonb NOT NULL DEFAULT '{}'::jsonb,
  logouts               integer NOT NULL DEFAULT 0,
  transfers             integer NOT NULL DEFAULT 0,
  fcr_eligible          integer NOT NULL DEFAULT 0,
  -- {"ceil(hours until the caller queued again)": first answers}; answers whose caller has
  -- not (yet) called again within the longest window are not in it: resolved for any window.
  fcr_repeats           jsonb NOT NULL DEFAULT '{}'::jsonb,
  surveys               integer NOT NULL DEFAULT 0,
  -- {"rating": surveys}
  ratings               jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (kind, bucket, subject)
);
CREATE INDEX kpi_rollups_subject_idx ON kpi_rollups (kind, subject, bucket);

-- Sums two {"key": number} objects key by key.
CREATE FUNCTION kpi_jsonb_add(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, s), '{}'::jsonb)
    FROM (SELECT k, sum(v) AS s
            FROM (SELECT key AS k, value::text::float8 AS v FROM jsonb_each(coalesce(a, '{}'::jsonb))
                  UNION ALL
                  SELECT key, value::text::float8 FROM jsonb_each(coalesce(b, '{}'::jsonb))) x
           GROUP BY k) y
$$;
CREATE AGGREGATE kpi_jsonb_sum(jsonb) (SFUNC = kpi_jsonb_add, STYPE = jsonb, INITCOND = '{}');

-- Where the rollup worker is in the journal; one row, locked by the instance folding.
CREATE TABLE kpi_rollup_position (
  id        boolean PRIMARY KEY DEFAULT true CHECK (id),
  sequence  bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO kpi_rollup_position (sequence) VALUES (0);

-- What the fold must remember between events: who answered a call (hold, transfers and
-- surveys are credited to them), an agent's last state (reason and queue of the span that
-- ends next), and first answers waiting to learn whether their caller calls again.
CREATE TABLE kpi_call_answers (
  call_id    text PRIMARY KEY,
  agent_id   text,
  queue_id   text,
  seen_at    timestamptz NOT NULL
);
CREATE INDEX kpi_call_answers_seen_idx ON kpi_call_answers (seen_at);

CREATE TABLE kpi_agent_context (
  agent_id   text PRIMARY KEY,
  reason     text,
  queue_id   text
);

CREATE TABLE kpi_open_answers (
  caller      text NOT NULL,
  answered_at timestamptz NOT NULL,
  queue_id    text,
  agent_id    text
);
CREATE INDEX kpi_open_answers_caller_idx ON kpi_open_answers (caller, answered_at);
CREATE INDEX kpi_open_answers_at_idx ON kpi_open_answers (answered_at);
