// Which channels /v1/channel-transfers may act on. Starting a transfer: a channel that
// exists and is not a leg of a call cti-bridge drives (those have their own transfer API,
// with its state, events and CDR; moving them behind its back would strand the call).
// Completing or cancelling: only a transfer the same key started, on the very channel it
// started it on, so "complete" can never hang up someone else's phone.
import type { Redis } from 'ioredis';
import type { AriClient } from '../../ari/index.js';
import { ProblemError } from '../../api/problem.js';
import type { Queryable } from '../../db/pool.js';

/** The id of a dialplan channel the service may transfer, or the 404/403 problem. */
export async function dialplanChannel(ari: AriClient, db: Queryable, pbxNode: string, name: string): Promise<string> {
  const channel = (await ari.channels.list()).find((c) => c.name === name);
  if (!channel) throw new ProblemError(404, `channel ${name} does not exist`);
  const { rows } = await db.query<{ call_id: string }>(
    `SELECT id AS call_id FROM calls WHERE pbx_node = $1 AND channel_id = $2
     UNION ALL SELECT call_id FROM call_legs WHERE channel_id = $2
     UNION ALL SELECT call_id FROM acd_agent_legs WHERE channel_id = $2
     LIMIT 1`,
    [pbxNode, channel.id],
  );
  const callId = rows[0]?.call_id;
  if (callId) {
    throw new ProblemError(403, `channel ${name} is a leg of call ${callId}, which cti-bridge drives: transfer it with POST /v1/calls/${callId}/transfers`, { callId });
  }
  return channel.id;
}

/** The channel still is the one the transfer started on (a name is reused only by a new channel). */
export async function sameChannel(ari: AriClient, channelId: string, name: string): Promise<void> {
  const channel = await ari.channels.get(channelId).catch(() => undefined);
  if (!channel || channel.name !== name) throw new ProblemError(404, `channel ${name} of this transfer has gone`);
}

export interface StartedChannelTransfer {
  pbxNode: string;
  channelId: string;
}

/** Attended transfers a key started, for as long as a consultation may reasonably last. */
export class ChannelTransferLedger {
  private static readonly TTL_SECONDS = 4 * 3600;

  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(apiKeyId: string, channel: string): string {
    return `${this.prefix}:chxfer:${apiKeyId}:${channel}`;
  }

  async started(apiKeyId: string, channel: string, t: StartedChannelTransfer): Promise<void> {
    await this.redis.set(this.key(apiKeyId, channel), JSON.stringify(t), 'EX', ChannelTransferLedger.TTL_SECONDS);
  }

  /** The key's transfer on the channel, or the 404 a stranger's channel gets. */
  async find(apiKeyId: string, channel: string): Promise<StartedChannelTransfer> {
    const raw = await this.redis.get(this.key(apiKeyId, channel));
    if (!raw) throw new ProblemError(404, `this API key started no attended transfer on channel ${channel}`);
    return JSON.parse(raw) as StartedChannelTransfer;
  }

  async ended(apiKeyId: string, channel: string): Promise<void> {
    await this.redis.del(this.key(apiKeyId, channel));
  }
}
