-- Wallboards on every instance read thresholds, queue and agent definitions again as soon
-- as one of them changes, wherever it was changed: a statement-level trigger announces the
-- commit on `cti_wallboard_config` (never for a rollback; one per transaction). These
-- tables change by hand, not with traffic, so the notifications cost nothing that matters.
CREATE OR REPLACE FUNCTION cti_wallboard_config_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cti_wallboard_config', '');
  RETURN NULL;
END $$;

CREATE TRIGGER wallboard_thresholds_notify AFTER INSERT OR UPDATE OR DELETE ON wallboard_thresholds
  FOR EACH STATEMENT EXECUTE FUNCTION cti_wallboard_config_notify();
CREATE TRIGGER acd_queues_wallboard_notify AFTER INSERT OR UPDATE OR DELETE ON acd_queues
  FOR EACH STATEMENT EXECUTE FUNCTION cti_wallboard_config_notify();
CREATE TRIGGER acd_agents_wallboard_notify AFTER INSERT OR UPDATE OR DELETE ON acd_agents
  FOR EACH STATEMENT EXECUTE FUNCTION cti_wallboard_config_notify();
