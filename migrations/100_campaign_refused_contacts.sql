-- A contact the dial gate refused when its call was to be placed (a number the dialling
-- key's policy does not allow) is closed as `refused`, with the rule that refused it, and
-- never offered again.
ALTER TABLE campaign_contacts DROP CONSTRAINT IF EXISTS campaign_contacts_status_check;
ALTER TABLE campaign_contacts ADD CONSTRAINT campaign_contacts_status_check
  CHECK (status IN ('pending', 'offered', 'reached', 'wrong_number', 'exhausted', 'do_not_call', 'refused'));
ALTER TABLE campaign_contacts ADD COLUMN refused_rule text;
