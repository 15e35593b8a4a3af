-- Channel transfers ask whether a channel is a leg of a call the service drives.
CREATE INDEX call_legs_channel_idx ON call_legs (channel_id);
