-- IVR flows: a flow is a named slug with numbered versions. A version is a draft until it
-- is published; once published (or retired) its document never changes, so a call that
-- started on version N can always be explained by version N. The dialled-number table
-- maps DIDs to flows; the published version is looked up when the call arrives.
CREATE TABLE ivr_flows (
  id                text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
  name              text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  deleted_at        timestamptz,
  published_version integer
);
CREATE INDEX ivr_flows_list_idx ON ivr_flows (created_at DESC, id DESC) WHERE deleted_at IS NULL;

CREATE TABLE ivr_flow_versions (
  flow_id      text NOT NULL REFERENCES ivr_flows (id),
  version      integer NOT NULL CHECK (version > 0),
  document     jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  PRIMARY KEY (flow_id, version),
  CHECK ((status = 'draft') = (published_at IS NULL))
);
-- At most one published version per flow.
CREATE UNIQUE INDEX ivr_flow_versions_one_published ON ivr_flow_versions (flow_id) WHERE status = 'published';

ALTER TABLE ivr_flows
  ADD CONSTRAINT ivr_flows_published_fk FOREIGN KEY (id, published_version)
  REFERENCES ivr_flow_versions (flow_id, version) DEFERRABLE INITIALLY DEFERRED;

-- The database refuses what the code never does: editing a published version's document,
-- moving it back to draft, or deleting it. Published <-> retired stays allowed: publishing
-- an older version again is how a flow is rolled back.
CREATE FUNCTION ivr_flow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'ivr flow % version % is %; it cannot be deleted', OLD.flow_id, OLD.version, OLD.status
        USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND (
       NEW.document IS DISTINCT FROM OLD.document
    OR NEW.flow_id IS DISTINCT FROM OLD.flow_id
    OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.status = 'draft') THEN
    RAISE EXCEPTION 'ivr flow % version % is %; it is immutable', OLD.flow_id, OLD.version, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ivr_flow_versions_immutable
  BEFORE UPDATE OR DELETE ON ivr_flow_versions
  FOR EACH ROW EXECUTE FUNCTION ivr_flow_versions_immutable();

CREATE TABLE ivr_numbers (
  did         text PRIMARY KEY CHECK (did ~ '^\+?[0-9]{1,32}$'),
  flow_id     text NOT NULL REFERENCES ivr_flows (id),
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ivr_numbers_flow_idx ON ivr_numbers (flow_id);
