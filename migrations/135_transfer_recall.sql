-- A failed transfer whose caller nobody of it can take back rings the transferring
-- agent again. The phone that handed the call over (its endpoint, e.g. PJSIP/1001) is
-- kept to ring it back when no ACD agent is known; `outcome` says what became of the
-- caller after the failure (the queue took them, the agent took them back, the fallback).
ALTER TABLE call_transfers ADD COLUMN from_endpoint text;
ALTER TABLE call_transfers ADD COLUMN outcome text
  CHECK (outcome IN ('requeued', 'recalling', 'recalled', 'recall_unanswered', 'caller_hung_up', 'no_recall'));
