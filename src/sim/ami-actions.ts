// The AMI actions the simulated PBX understands, answering with Asterisk 22's texts.
import type { AmiMessage } from '../ami/message.js';
import { ASTERISK_VERSION, AMI_VERSION, bridgeListItem, coreShowChannelItem, pingTimestamp, statusItem, type Pair } from './ami-render.js';
import type { AmiSession } from './ami-session.js';
import { parseEventMask } from './ami-mask.js';
import { criteriaOfAction, parseFilter } from './ami-filter.js';
import type { ChannelSnapshot } from './world-types.js';

type Handler = (s: AmiSession, msg: AmiMessage) => void | Promise<void>;

const UNAUTHENTICATED_OK = new Set(['login', 'logoff', 'challenge']);
/** Actions whose use needs a write privilege (manager.c registers Filter with EVENT_FLAG_SYSTEM). */
const AUTHORITY: Readonly<Record<string, string>> = { filter: 'system' };

function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['yes', 'true', 'y', 't', '1', 'on'].includes(v.trim().toLowerCase());
}

function sendList(s: AmiSession, msg: AmiMessage, startMessage: string, items: Pair[][], complete: string, extra: Pair[] = []): void {
  const id = msg.get('ActionID');
  s.respond(msg, 'Success', [
    ['EventList', 'start'],
    ['Message', startMessage],
  ]);
  for (const item of items) s.write(item);
  s.write([
    ['Event', complete],
    ...(id !== undefined ? ([['ActionID', id]] as Pair[]) : []),
    ['EventList', 'Complete'],
    ['ListItems', String(items.length)],
    ...extra,
  ]);
}

function findChannel(s: AmiSession, name: string | undefined): ChannelSnapshot | undefined {
  if (name === undefined || name === '') return undefined;
  return s.ctx.world.channelByName(name);
}

/**
 * The channel a transfer action names, and (when asked) its extension, with Asterisk's
 * errors in Asterisk's order when either is missing; undefined once an error was sent.
 */
function transferSubject(s: AmiSession, msg: AmiMessage, needsExten: boolean): { ch: ChannelSnapshot; exten: string } | undefined {
  const name = msg.get('Channel');
  if (!name) return void s.error(msg, 'No channel specified');
  const exten = msg.get('Exten') ?? '';
  if (needsExten && !exten) return void s.error(msg, 'No extension specified');
  const ch = findChannel(s, name);
  if (!ch) return void s.error(msg, 'Channel specified does not exist');
  return { ch, exten };
}

function pad(s: string, width: number): string {
  return s.length >= width ? s.slice(0, width) : s.padEnd(width);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function cliOutput(s: AmiSession, command: string): { ok: boolean; lines: string[] } {
  const cmd = command.trim().replace(/\s+/g, ' ');
  if (cmd === 'core show version') {
    const built = s.ctx.world.startedAt.toISOString().slice(0, 19).replace('T', ' ');
    return { ok: true, lines: [`Asterisk ${ASTERISK_VERSION} built by cti-bridge @ simulator on a x86_64 running Linux on ${built} UTC`] };
  }
  if (cmd === 'core show channels') {
    const channels = s.ctx.world.channels();
    const lines = [
      `${pad('Channel', 64)} ${pad('Location', 32)} ${pad('State', 7)} ${pad('Application(Data)', 30)}`,
    ];
    for (const c of channels) {
      const loc = `${c.dialplan.exten}@${c.dialplan.context}:${c.dialplan.priority}`;
      const app = c.dialplan.appName ? `${c.dialplan.appName}(${c.dialplan.appData})` : '(None)';
      lines.push(`${pad(c.name, 64)} ${pad(loc, 32)} ${pad(c.state, 7)} ${pad(app, 30)}`);
    }
    const calls = new Set(channels.map((c) => c.linkedid)).size;
    lines.push(
      plural(channels.length, 'active channel', 'active channels'),
      plural(calls, 'active call', 'active calls'),
      plural(s.ctx.world.processedCalls(), 'call processed', 'calls processed'),
    );
    return { ok: true, lines };
  }
  const words = cmd.split(' ').slice(0, 2).join(' ');
  return {
    ok: false,
    lines: [`No such command '${command}' (type 'core show help ${words}' for other possible commands)`],
  };
}

const handlers: Record<string, Handler> = {
  login(s, msg) {
    const user = msg.get('Username') ?? '';
    const secret = msg.get('Secret') ?? '';
    if (user !== s.ctx.username || secret !== s.ctx.secret) {
      s.error(msg, 'Authentication failed');
      s.end();
      return;
    }
    s.respond(msg, 'Success', [['Message', 'Authentication accepted']]);
    s.onLogin(msg.get('Events'));
  },

  logoff(s, msg) {
    s.respond(msg, 'Goodbye', [['Message', 'Thanks for all the fish.']]);
    s.end();
  },

  ping(s, msg) {
    s.respond(msg, 'Success', [
      ['Ping', 'Pong'],
      ['Timestamp', pingTimestamp(Date.now())],
    ]);
  },

  filter(s, msg) {
    if ((msg.get('Operation') ?? '').toLowerCase() !== 'add') return s.error(msg, 'Unknown operation');
    const f = parseFilter(criteriaOfAction(msg.get('MatchCriteria') ?? ''), msg.get('Filter') ?? '');
    if (typeof f === 'string') return s.error(msg, f);
    (f.exclude ? s.filters.exclude : s.filters.include).push(f);
    s.respond(msg, 'Success', [['Message', 'Success']]);
  },

  events(s, msg) {
    s.mask = parseEventMask(msg.get('EventMask'));
    s.respond(msg, 'Success', [['Events', s.mask.size > 0 ? 'On' : 'Off']]);
  },

  coresettings(s, msg) {
    s.respond(msg, 'Success', [
      ['AMIversion', AMI_VERSION],
      ['AsteriskVersion', ASTERISK_VERSION],
      ['SystemName', ''],
      ['CoreMaxCalls', '0'],
      ['CoreMaxLoadAvg', '0.000000'],
      ['CoreRunUser', ''],
      ['CoreRunGroup', ''],
      ['CoreMaxFilehandles', '0'],
      ['CoreRealTimeEnabled', 'No'],
      ['CoreCDRenabled', 'Yes'],
      ['CoreHTTPenabled', 'No'],
      ['SoundsSearchCustomDir', 'No'],
    ]);
  },

  corestatus(s, msg) {
    const iso = s.ctx.world.startedAt.toISOString();
    const date = iso.slice(0, 10);
    const time = iso.slice(11, 19);
    s.respond(msg, 'Success', [
      ['CoreStartupDate', date],
      ['CoreStartupTime', time],
      ['CoreReloadDate', date],
      ['CoreReloadTime', time],
      ['CoreCurrentCalls', String(new Set(s.ctx.world.channels().map((c) => c.linkedid)).size)],
      ['CoreProcessedCalls', String(s.ctx.world.processedCalls())],
    ]);
  },

  command(s, msg) {
    const out = cliOutput(s, msg.get('Command') ?? '');
    s.respond(msg, out.ok ? 'Success' : 'Error', [
      ['Message', 'Command output follows'],
      ...out.lines.map((l): Pair => ['Output', l]),
    ]);
  },

  getvar(s, msg) {
    const variable = msg.get('Variable');
    if (!variable) return s.error(msg, 'No variable specified');
    const channelName = msg.get('Channel');
    let value: string | undefined;
    if (channelName) {
      const ch = findChannel(s, channelName);
      if (!ch) return s.error(msg, 'No such channel');
      const v = variable.toUpperCase();
      if (v === 'CALLERID(NUM)') value = ch.caller.number;
      else if (v === 'CALLERID(NAME)') value = ch.caller.name;
      else if (v === 'CHANNEL') value = ch.name;
      else if (v === 'UNIQUEID') value = ch.id;
      else value = s.ctx.world.getChannelVar(ch.id, variable);
    } else {
      value = s.ctx.world.getGlobalVar(variable);
    }
    s.respond(msg, 'Success', [
      ['Variable', variable],
      ['Value', value ?? ''],
    ]);
  },

  setvar(s, msg) {
    const variable = msg.get('Variable');
    if (!variable) return s.error(msg, 'No variable specified');
    const value = msg.get('Value') ?? '';
    const channelName = msg.get('Channel');
    if (channelName) {
      const ch = findChannel(s, channelName);
      if (!ch) return s.error(msg, 'No such channel');
      s.ctx.world.setChannelVar(ch.id, variable, value);
    } else {
      s.ctx.world.setGlobalVar(variable, value);
    }
    s.respond(msg, 'Success', [['Message', 'Variable Set']]);
  },

  hangup(s, msg) {
    const name = msg.get('Channel');
    if (!name) return s.error(msg, 'No channel specified');
    const ch = findChannel(s, name);
    if (!ch) return s.error(msg, 'No such channel');
    // Asterisk ignores a Cause that is not a Q.850 number (1-127) and hangs up anyway;
    // the channel then ends with its default cause, Normal Clearing.
    const raw = (msg.get('Cause') ?? '').trim();
    const cause = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
    // Asterisk only flags the channel here and answers; the hang-up events follow the response.
    s.respond(msg, 'Success', [['Message', 'Channel Hungup']]);
    s.ctx.world.hangup(ch.id, cause >= 1 && cause <= 127 ? cause : 16);
  },

  redirect(s, msg) {
    const name = msg.get('Channel');
    if (!name) return s.error(msg, 'Channel not specified');
    const ch = findChannel(s, name);
    if (!ch) return s.error(msg, `Channel does not exist: ${name}`);
    const extraName = msg.get('ExtraChannel');
    const extra = extraName ? findChannel(s, extraName) : undefined;
    if (extraName && !extra) return s.error(msg, `Channel does not exist: ${extraName}`);
    const context = msg.get('Context') ?? ch.dialplan.context;
    const exten = msg.get('Exten') ?? ch.dialplan.exten;
    const priority = Number.parseInt(msg.get('Priority') ?? '1', 10) || 1;
    // A context that does not exist is not checked here: Asterisk says "successful" and the
    // channel then hangs up (README fact 7); the world plays that part.
    s.ctx.world.redirect(ch.id, context, exten, priority);
    if (extra) {
      s.ctx.world.redirect(
        extra.id,
        msg.get('ExtraContext') ?? context,
        msg.get('ExtraExten') ?? exten,
        Number.parseInt(msg.get('ExtraPriority') ?? String(priority), 10) || priority,
      );
      return s.respond(msg, 'Success', [['Message', 'Dual Redirect successful']]);
    }
    s.respond(msg, 'Success', [['Message', 'Redirect successful']]);
  },

  blindtransfer(s, msg) {
    const subject = transferSubject(s, msg, true);
    if (!subject) return;
    const { ch, exten } = subject;
    const context = msg.get('Context') || ch.dialplan.context;
    const result = s.ctx.world.blindTransfer(ch.id, context, exten);
    if (result === 'invalid') return s.error(msg, 'Transfer invalid');
    s.respond(msg, 'Success', [['Message', 'Transfer succeeded']]);
  },

  atxfer(s, msg) {
    const subject = transferSubject(s, msg, true);
    if (!subject) return;
    const { ch, exten } = subject;
    // The feature dials in TRANSFER_CONTEXT when set (the action sets it from Context:).
    const context = msg.get('Context');
    if (context) s.ctx.world.setChannelVar(ch.id, 'TRANSFER_CONTEXT', context);
    const target = s.ctx.world.getChannelVar(ch.id, 'TRANSFER_CONTEXT') || ch.dialplan.context;
    s.respond(msg, 'Success', [['Message', 'Atxfer successfully queued']]);
    s.ctx.world.atxfer(ch.id, target, exten);
  },

  cancelatxfer(s, msg) {
    const subject = transferSubject(s, msg, false);
    if (!subject) return;
    const { ch } = subject;
    s.respond(msg, 'Success', [['Message', 'CancelAtxfer successfully queued']]);
    s.ctx.world.cancelAtxfer(ch.id);
  },

  async originate(s, msg) {
    const dialString = msg.get('Channel');
    if (!dialString) return s.error(msg, 'Channel not specified');
    const variables: Record<string, string> = {};
    for (const v of msg.getAll('Variable')) {
      const eq = v.indexOf('=');
      if (eq > 0) variables[v.slice(0, eq)] = v.slice(eq + 1);
    }
    const timeout = Number.parseInt(msg.get('Timeout') ?? '', 10);
    const priority = Number.parseInt(msg.get('Priority') ?? '', 10);
    const actionId = msg.get('ActionID');
    const async = isTrue(msg.get('Async'));
    const requestId = s.ctx.nextRequestId();
    const request = {
      dialString,
      context: msg.get('Context'),
      exten: msg.get('Exten'),
      priority: Number.isFinite(priority) ? priority : undefined,
      application: msg.get('Application'),
      data: msg.get('Data'),
      callerId: msg.get('CallerID'),
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
      variables,
      account: msg.get('Account'),
      requestId,
    };
    if (async) {
      s.ctx.asyncOriginates.set(requestId, { actionId, application: request.application, data: request.data });
      s.respond(msg, 'Success', [['Message', 'Originate successfully queued']]);
      s.ctx.world.originate(request);
      return;
    }
    const outcome = s.ctx.awaitOriginate(requestId);
    s.ctx.world.originate(request);
    const result = await outcome;
    if (result.response === 'Success') s.respond(msg, 'Success', [['Message', 'Originate successfully queued']]);
    else s.error(msg, 'Originate failed');
  },

  coreshowchannels(s, msg) {
    const now = Date.now();
    const id = msg.get('ActionID');
    const items = s.ctx.world.channels().map((c) => coreShowChannelItem(c, id, now));
    sendList(s, msg, 'Channels will follow', items, 'CoreShowChannelsComplete');
  },

  status(s, msg) {
    const now = Date.now();
    const id = msg.get('ActionID');
    const name = msg.get('Channel');
    let channels = s.ctx.world.channels();
    if (name) {
      const ch = findChannel(s, name);
      if (!ch) return s.error(msg, 'No such channel');
      channels = [ch];
    }
    const items = channels.map((c) => statusItem(c, id, now));
    sendList(s, msg, 'Channel status will follow', items, 'StatusComplete', [['Items', String(items.length)]]);
  },

  bridgelist(s, msg) {
    const id = msg.get('ActionID');
    const type = msg.get('BridgeType');
    const items = s.ctx.world
      .bridges()
      .filter((b) => !type || b.bridgeClass === type)
      .map((b) => bridgeListItem(b, id));
    sendList(s, msg, 'Bridge listing will follow', items, 'BridgeListComplete');
  },

  queuestatus(s, msg) {
    sendList(s, msg, 'Queue status will follow', [], 'QueueStatusComplete');
  },

  queuesummary(s, msg) {
    sendList(s, msg, 'Queue summary will follow', [], 'QueueSummaryComplete');
  },

  devicestatelist(s, msg) {
    sendList(s, msg, 'Device State Changes will follow', [], 'DeviceStateListComplete');
  },

  extensionstate(s, msg) {
    s.respond(msg, 'Success', [
      ['Message', 'Extension Status'],
      ['Exten', msg.get('Exten') ?? ''],
      ['Context', msg.get('Context') ?? ''],
      ['Hint', ''],
      ['Status', '-1'],
      ['StatusText', 'Unknown'],
    ]);
  },
};

/** Run one action; returns a promise only for actions that wait on the world (sync Originate). */
export function handleAction(s: AmiSession, msg: AmiMessage): void | Promise<void> {
  const action = msg.get('Action');
  if (action === undefined || action === '') return s.error(msg, 'Missing action in request');
  const key = action.toLowerCase();
  if (!s.authenticated && !UNAUTHENTICATED_OK.has(key)) return s.error(msg, 'Permission denied');
  const handler = handlers[key];
  if (!handler) {
    return s.error(msg, `Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
  }
  const authority = AUTHORITY[key];
  if (authority !== undefined && !s.ctx.writePermissions.has(authority)) return s.error(msg, 'Permission denied');
  return handler(s, msg);
}
