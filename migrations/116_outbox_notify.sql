-- Every committed insert into the outbox wakes the relays that LISTEN on `cti_outbox`, so
-- they need not poll fast to publish promptly. One statement-level trigger on the parent
-- covers every partition and every way rows get in; Postgres folds the notifications of
-- one transaction into one, delivered at its commit and never for a rollback.
CREATE OR REPLACE FUNCTION cti_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cti_outbox', '');
  RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION cti_outbox_notify();
