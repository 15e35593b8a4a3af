// Calls waiting in queues, in Redis: any instance answers "who is waiting", and the
// instance that takes a PBX node over rebuilds its routing engine from here.
import type { Redis } from 'ioredis';
import type { WaitingCall } from './model.js';
import { runScript } from './lua.js';

/** KEYS: the queue's waiting hash, the index of queues. ARGV: call id, the call as JSON, queue id. */
const PUT_WAITING = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
`;

export interface LiveWaitingCall extends WaitingCall {
  pbxNode: string;
  channelId: string;
  /** The holding bridge the caller waits in. */
  bridgeId: string | null;
  /** The IVR node's survey to run after the agent leg, if any. */
  survey: string | null;
  overflowFrom: string | null;
  /** Offers made so far (numbering `call.offered`'s attempt). */
  attempts: number;
}

export class QueueLiveStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(queueId: string) {
    return `${this.prefix}:acd:waiting:${queueId}`;
  }
  private index() {
    return `${this.prefix}:acd:waiting-queues`;
  }

  /** The call and its queue in the index, in one step (one script instead of MULTI, HSET, SADD, EXEC). */
  async put(call: LiveWaitingCall): Promise<void> {
    await runScript(this.redis, PUT_WAITING, 2, this.key(call.queueId), this.index(), call.callId, JSON.stringify(call), call.queueId);
  }

  async remove(queueId: string, callId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(queueId), callId)) > 0;
  }

  async list(queueId: string): Promise<LiveWaitingCall[]> {
    const all = await this.redis.hvals(this.key(queueId));
    return all.map((s) => JSON.parse(s) as LiveWaitingCall);
  }

  /** Every waiting call of every queue (for a takeover). */
  async all(): Promise<LiveWaitingCall[]> {
    const queues = await this.redis.smembers(this.index());
    const out: LiveWaitingCall[] = [];
    for (const q of queues) out.push(...(await this.list(q)));
    return out;
  }
}
