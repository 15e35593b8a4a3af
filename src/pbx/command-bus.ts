// Commands for a PBX node reach the instance that owns it, whichever instance the API
// request landed on. The owner subscribes to its node's Redis channel while it holds the
// node; a non-owner publishes the command there with a correlation id and waits on its own
// reply channel. Nobody subscribed means nobody drives the node now: 503 at once, no
// waiting. No reply in time: 504. The owner's answer, value or problem, is returned as is.
// A command that arrives after its sender gave up is dropped, so a late owner never acts
// on a request its client was already told had failed.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ProblemError } from '../api/problem.js';
import type { Logger } from '../log.js';
import { currentTraceparent, inSpan, parseTraceparent } from '../tracing/tracer.js';

/** Runs a command on this instance, which drives `pbxNode`. */
export type CommandHandler = (pbxNode: string, args: unknown, name: string) => Promise<unknown>;

export interface CommandRequest {
  id: string;
  name: string;
  args: unknown;
  replyTo: string;
  /** Epoch ms after which the sender no longer waits (instances keep their clocks in sync). */
  deadline: number;
  /** The sender's span (W3C traceparent), so the owner's work joins the request's trace. */
  traceparent?: string;
}

export interface WireProblem {
  status: number;
  title: string;
  detail: string;
  extensions: Record<string, unknown>;
}

export type CommandReply = { id: string; ok: true; value: unknown } | { id: string; ok: false; problem: WireProblem };

/** What the owner sends back for a failed command: its problem, or a 500 for anything else. */
export function problemOf(err: unknown): WireProblem {
  if (err instanceof ProblemError) return { status: err.status, title: err.title, detail: err.message, extensions: err.extensions };
  return { status: 500, title: 'Internal Server Error', detail: 'the instance driving the PBX node failed to run the command', extensions: {} };
}

/**
 * Nobody drives the node now (or it cannot be reached): a 503 the client may retry, with
 * a Retry-After of a couple of seconds (Redis back, or a peer taking the node over).
 */
export class NoOwnerError extends ProblemError {
  constructor(pbxNode: string, detail: string) {
    super(503, detail, { pbxNode, retryAfterSeconds: 2 });
  }
}

/** The sender rethrows the owner's problem unchanged. */
export function errorOf(p: WireProblem): ProblemError {
  return new ProblemError(p.status, p.detail, p.extensions, p.title);
}

export interface CommandBusOptions {
  /** A connection for PUBLISH (fails fast when Redis is down). */
  redis: Redis;
  redisUrl: string;
  prefix: string;
  instanceId: string;
  timeoutMs: number;
  log: Logger;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class CommandBus {
  private sub: Redis | undefined;
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly pending = new Map<string, Pending>();
  private readonly served = new Set<string>();
  /** Unique per process even when instances share an INSTANCE_ID. */
  private readonly replyChannel: string;

  constructor(private readonly o: CommandBusOptions) {
    this.replyChannel = `${o.prefix}:cmd:reply:${o.instanceId}:${randomUUID()}`;
  }

  private nodeChannel(pbxNode: string): string {
    return `${this.o.prefix}:cmd:node:${pbxNode}`;
  }

  /** What this instance does when a command of that name arrives for a node it drives. */
  register(name: string, handler: CommandHandler): void {
    this.handlers.set(name, handler);
  }

  async start(): Promise<void> {
    const sub = new Redis(this.o.redisUrl, { maxRetriesPerRequest: null });
    sub.on('error', (err) => this.o.log.debug({ err: err.message }, 'command bus subscriber error'));
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.replyChannel) this.onReply(message);
      else void this.onRequest(channel.slice(this.nodeChannel('').length), message);
    });
    await sub.subscribe(this.replyChannel);
    this.sub = sub;
    // Nodes taken before the bus was up.
    for (const node of this.served) await sub.subscribe(this.nodeChannel(node));
  }

  async stop(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ProblemError(503, 'this instance is shutting down; retry'));
      this.pending.delete(id);
    }
    this.sub?.disconnect();
    this.sub = undefined;
  }

  /** This instance now drives the node: it answers the node's commands. */
  async serve(pbxNode: string): Promise<void> {
    this.served.add(pbxNode);
    // Redis away: the subscriber re-subscribes by itself when it reconnects.
    await this.sub?.subscribe(this.nodeChannel(pbxNode)).catch((err: Error) => this.o.log.warn({ err: err.message, pbxNode }, 'command bus could not subscribe yet'));
  }

  async unserve(pbxNode: string): Promise<void> {
    this.served.delete(pbxNode);
    await this.sub?.unsubscribe(this.nodeChannel(pbxNode)).catch(() => undefined);
  }

  /** Runs the command on the node's owner and returns its result (or throws its problem). */
  send(pbxNode: string, name: string, args: unknown): Promise<unknown> {
    return inSpan(`command ${name}`, { kind: 'client', attributes: { 'cti.pbx_node': pbxNode, 'cti.command': name } }, () => this.forward(pbxNode, name, args));
  }

  private async forward(pbxNode: string, name: string, args: unknown): Promise<unknown> {
    if (!this.sub) throw new NoOwnerError(pbxNode, `PBX node ${pbxNode} is driven by another instance, which this one cannot reach now; retry`);
    const traceparent = currentTraceparent();
    const req: CommandRequest = {
      id: randomUUID(), name, args, replyTo: this.replyChannel, deadline: Date.now() + this.o.timeoutMs, ...(traceparent ? { traceparent } : {}),
    };
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(req.id);
        reject(
          new ProblemError(
            504,
            `the instance driving PBX node ${pbxNode} did not answer within ${this.o.timeoutMs} ms; the command may or may not have run`,
            { pbxNode },
          ),
        );
      }, this.o.timeoutMs);
      this.pending.set(req.id, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.o.redis.publish(this.nodeChannel(pbxNode), JSON.stringify(req));
    } catch (err) {
      this.settle(req.id);
      throw new NoOwnerError(pbxNode, `cannot reach the instance driving PBX node ${pbxNode}: ${(err as Error).message}; retry`);
    }
    if (receivers === 0) {
      this.settle(req.id);
      throw new NoOwnerError(pbxNode, `no instance drives PBX node ${pbxNode} now (its owner is gone and no other has taken over yet); retry`);
    }
    return answer;
  }

  /** The first of these nodes that some instance drives runs the command. */
  async sendToAny(pbxNodes: readonly string[], name: string, args: unknown): Promise<unknown> {
    let last: ProblemError = new NoOwnerError(pbxNodes.join(','), 'no instance drives a PBX node now; retry');
    for (const node of pbxNodes) {
      try {
        return await this.send(node, name, args);
      } catch (err) {
        if (!(err instanceof NoOwnerError)) throw err;
        last = err;
      }
    }
    throw last;
  }

  private settle(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.pending.delete(id);
    return p;
  }

  private onReply(message: string): void {
    let reply: CommandReply;
    try {
      reply = JSON.parse(message) as CommandReply;
    } catch {
      return;
    }
    const p = this.settle(reply.id);
    if (!p) return; // timed out already
    if (reply.ok) p.resolve(reply.value);
    else p.reject(errorOf(reply.problem));
  }

  private async onRequest(pbxNode: string, message: string): Promise<void> {
    let req: CommandRequest;
    try {
      req = JSON.parse(message) as CommandRequest;
    } catch {
      return;
    }
    // A node this instance just gave up: stay silent and let its new owner answer.
    if (!this.served.has(pbxNode)) return;
    if (Date.now() > req.deadline) {
      this.o.log.warn({ pbxNode, command: req.name }, 'forwarded command arrived after its sender gave up; dropped');
      return;
    }
    const reply = await inSpan(
      `command ${req.name}`,
      { kind: 'server', parent: parseTraceparent(req.traceparent) ?? null, attributes: { 'cti.pbx_node': pbxNode, 'cti.command': req.name } },
      async (span): Promise<CommandReply> => {
        try {
          const handler = this.handlers.get(req.name);
          if (!handler) throw new ProblemError(500, `the instance driving PBX node ${pbxNode} does not know the command ${req.name}`);
          return { id: req.id, ok: true, value: (await handler(pbxNode, req.args, req.name)) ?? null };
        } catch (err) {
          if (!(err instanceof ProblemError)) this.o.log.error({ err, pbxNode, command: req.name }, 'forwarded command failed');
          const problem = problemOf(err);
          if (problem.status >= 500) span.fail(problem.detail);
          return { id: req.id, ok: false, problem };
        }
      },
    );
    await this.o.redis.publish(req.replyTo, JSON.stringify(reply)).catch((err: Error) => this.o.log.warn({ err: err.message, pbxNode }, 'could not answer a forwarded command'));
  }
}
