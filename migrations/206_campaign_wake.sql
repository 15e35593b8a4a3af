-- The campaign dispatcher sleeps while no campaign runs and no preview task is live
-- (decision 89). What ends its sleep is announced on `cti_campaigns`: a campaign that is
-- (again) active with a queue, and every new preview task (an offer always precedes the
-- call whose end the dispatcher must see). Triggers, not the application, send it, so a
-- campaign started through an instance of the previous release wakes the new ones too.
-- Postgres folds the notifications of one transaction into one, sent at its commit.
CREATE OR REPLACE FUNCTION cti_campaigns_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cti_campaigns', '');
  RETURN NULL;
END $$;

CREATE TRIGGER campaigns_notify_active AFTER INSERT OR UPDATE OF status, queue_id ON campaigns
  FOR EACH ROW WHEN (NEW.status = 'active' AND NEW.queue_id IS NOT NULL)
  EXECUTE FUNCTION cti_campaigns_notify();

CREATE TRIGGER campaign_tasks_notify_new AFTER INSERT ON campaign_tasks
  FOR EACH STATEMENT EXECUTE FUNCTION cti_campaigns_notify();
