-- The Postgres half of a PBX node's lease: the fence that lets an owner keep driving its
-- node while Redis is away. One row per lease key (a handful, it does not grow with
-- traffic). `epoch` counts the takeovers: a renewal names the epoch it took, so an
-- instance that was taken over can never extend the new owner's row.
CREATE TABLE pbx_lease (
  lease_key  text PRIMARY KEY,
  owner      text NOT NULL,
  epoch      bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
