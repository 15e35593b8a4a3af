-- Every change to a call, its legs or its timeline announces the call id on
-- cti_call_changed, whoever wrote it (any instance, a script, psql). Each API instance
-- keeps rendered call details in memory and drops one as soon as this arrives; Postgres
-- sends notifications only on commit and folds duplicates within a transaction, so a
-- call that gets many events in one transaction costs one message.
CREATE FUNCTION cti_notify_call_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'calls' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('cti_call_changed', OLD.id::text); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('cti_call_changed', NEW.id::text); END IF;
  ELSE
    IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('cti_call_changed', OLD.call_id::text); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('cti_call_changed', NEW.call_id::text); END IF;
  END IF;
  RETURN NULL;
END;
$$;

-- TRUNCATE has no rows to name: '*' tells listeners to forget everything.
CREATE FUNCTION cti_notify_calls_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cti_call_changed', '*');
  RETURN NULL;
END;
$$;

CREATE TRIGGER calls_notify_changed AFTER INSERT OR UPDATE OR DELETE ON calls
  FOR EACH ROW EXECUTE FUNCTION cti_notify_call_changed();
CREATE TRIGGER call_legs_notify_changed AFTER INSERT OR UPDATE OR DELETE ON call_legs
  FOR EACH ROW EXECUTE FUNCTION cti_notify_call_changed();
CREATE TRIGGER call_events_notify_changed AFTER INSERT OR UPDATE OR DELETE ON call_events
  FOR EACH ROW EXECUTE FUNCTION cti_notify_call_changed();

CREATE TRIGGER calls_notify_truncated AFTER TRUNCATE ON calls
  FOR EACH STATEMENT EXECUTE FUNCTION cti_notify_calls_truncated();
CREATE TRIGGER call_legs_notify_truncated AFTER TRUNCATE ON call_legs
  FOR EACH STATEMENT EXECUTE FUNCTION cti_notify_calls_truncated();
CREATE TRIGGER call_events_notify_truncated AFTER TRUNCATE ON call_events
  FOR EACH STATEMENT EXECUTE FUNCTION cti_notify_calls_truncated();
