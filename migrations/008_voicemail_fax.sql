-- Voicemail: mailboxes and the messages callers leave in them, audio included (bytea: a
-- message is a few hundred kilobytes, and keeping it in the row makes the message, its
-- audio and its voicemail.created event one transaction; see docs/decisions.md).
CREATE TABLE mailboxes (
  id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name               text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('agent', 'queue', 'general')),
  owner              text,
  -- A media URI the PBX can play (sound:..., recording:...); null: the default greeting.
  greeting           text,
  -- A greeting uploaded through the API (WAV, 8 kHz 16-bit mono): played instead of the above.
  greeting_audio     bytea,
  greeting_sha       text,
  max_message_seconds integer NOT NULL CHECK (max_message_seconds BETWEEN 5 AND 3600),
  notify             jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE voicemail_messages (
  id               uuid PRIMARY KEY,
  mailbox_id       text NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
  call_id          uuid REFERENCES calls (id),
  caller_number    text,
  caller_name      text,
  duration_seconds integer NOT NULL CHECK (duration_seconds >= 0),
  format           text NOT NULL,
  audio            bytea NOT NULL,
  heard            boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voicemail_messages_mailbox_idx ON voicemail_messages (mailbox_id, created_at DESC, id DESC);

-- Fax-on-demand: the catalogue of documents callers can ask for, stored fax-ready (TIFF
-- class F: 1728 pixels wide, standard or fine resolution).
CREATE TABLE fax_documents (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{1,12}$'),
  title       text NOT NULL,
  pages       integer NOT NULL CHECK (pages > 0),
  tiff        bytea NOT NULL,
  source_type text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per fax to send; attempts are counted here, the BullMQ job only drives them.
CREATE TABLE faxes (
  id            uuid PRIMARY KEY,
  destination   text NOT NULL,
  document_code text REFERENCES fax_documents (code) ON DELETE SET NULL,
  -- An uploaded one-off document has its TIFF here instead of a catalogue code.
  tiff          bytea,
  pages         integer NOT NULL CHECK (pages > 0),
  call_id       uuid REFERENCES calls (id),
  status        text NOT NULL CHECK (status IN ('queued', 'sending', 'retrying', 'sent', 'failed')),
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL CHECK (max_attempts > 0),
  pages_sent    integer,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX faxes_list_idx ON faxes (created_at DESC, id DESC);
