// The reference agent panel. It uses only cti-bridge's public API and the agent's own
// stream, exactly as an integrator's desktop would: read it as an example.
//
//   GET  /v1/agents/{id}, /v1/agents, /v1/queues, /v1/not-ready-reasons, /v1/disposition-codes
//   POST /v1/agents/{id}/state                       ready, not ready with a reason, log in/out
//   WS   /v1/agents/{id}/stream?token=…              call.offered (the screen pop), call.connected,
//                                                    agent.state_changed, campaign.task_offered/_ended
//   POST /v1/agents/{id}/tasks/{taskId}/accept|decline
//   GET  /v1/calls/{id}                              the call's data and timeline
//   POST /v1/calls/{id}/hold|unhold|mute|unmute|dtmf|hangup|transfers
//   POST /v1/transfers/{id}/complete|cancel|conference, GET /v1/transfers/{id}
//   PUT  /v1/agents/{id}/calls/{callId}/wrap-up      disposition and note, onto the CDR
//
// Opened with a link (/agent?token=…) the page trades the token for a short-lived session
// (POST /agent/session) and renews it before it lapses; opened without one it asks for an
// agent id and an API key, kept in this page's memory only.
'use strict';

const $ = (id) => document.getElementById(id);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATE_NAMES = { logged_out: 'Logged out', ready: 'Ready', not_ready: 'Not ready', reserved: 'Ringing', on_call: 'On call', wrap_up: 'Wrap-up' };
const TIMELINE_NAMES = {
  'call.created': 'Call arrived', 'call.answered': 'Answered', 'call.ivr': 'IVR started', 'call.data_updated': 'Call data updated', 'call.queued': 'Queued', 'call.offered': 'Offered',
  'call.connected': 'Connected', 'call.held': 'On hold', 'call.resumed': 'Off hold', 'call.transfer_started': 'Transfer started',
  'call.transfer_completed': 'Transferred', 'call.transfer_cancelled': 'Transfer ended', 'call.conference_started': 'Conference',
  'call.abandoned': 'Caller hung up waiting', 'call.ended': 'Call ended', 'call.wrap_up_recorded': 'Wrap-up recorded',
  'agent.state_changed': 'Agent', 'ivr.step': 'IVR', 'survey.completed': 'Survey',
};

const desk = {
  auth: null, // the Authorization header value: a panel session or an API key
  agentId: null,
  me: null, // GET /v1/agents/{id}
  agents: [],
  queues: [],
  pop: null, // { kind: 'offered' | 'call' | 'task', callId?, task?, caller?, queueId?, waitMs?, data? }
  callId: null, // the call the controls act on
  wrapCallId: null, // the call the wrap-up form records on
  call: null, // GET /v1/calls/{id}
  muted: false,
  transfer: null, // the transfer in progress
  socket: null,
  retryMs: 1000,
};

// --- talking to the API

class Problem extends Error {
  constructor(status, doc) {
    super(doc?.detail || doc?.title || `HTTP ${status}`);
    this.status = status;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: desk.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const doc = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Problem(res.status, doc);
  return doc;
}

function showProblem(err) {
  const box = $('problem');
  box.textContent = err ? err.message : '';
  box.hidden = !err;
}

/** Runs a button's action, showing what went wrong instead of failing silently. */
function act(fn) {
  return async (ev) => {
    ev?.preventDefault?.();
    showProblem(null);
    try {
      await fn(ev);
    } catch (err) {
      showProblem(err);
    }
  };
}

// --- signing in

async function openWithLink(token) {
  const res = await fetch('/agent/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const doc = await res.json();
  if (!res.ok) throw new Problem(res.status, doc);
  desk.auth = `Bearer ${doc.session}`;
  desk.agentId = doc.agentId;
  // Renew well before the session lapses; a revoked link ends the panel here.
  setTimeout(() => openWithLink(token).catch((err) => lost(err.message)), doc.expiresInSeconds * 800);
}

async function start() {
  const token = new URLSearchParams(location.search).get('token');
  try {
    if (token) {
      await openWithLink(token);
      await load();
    } else {
      $('signin').hidden = false;
      $('link').textContent = 'not signed in';
      $('signin').addEventListener('submit', act(async () => {
        desk.auth = `Bearer ${$('signin-key').value.trim()}`;
        desk.agentId = $('signin-agent').value.trim();
        await load();
        $('signin').hidden = true;
      }));
    }
  } catch (err) {
    showProblem(err);
    lost('not connected');
  }
}

async function load() {
  const id = encodeURIComponent(desk.agentId);
  const [me, reasons, dispositions, queues] = await Promise.all([
    api('GET', `/v1/agents/${id}`),
    api('GET', '/v1/not-ready-reasons'),
    api('GET', '/v1/disposition-codes'),
    api('GET', '/v1/queues'),
  ]);
  desk.me = me;
  desk.queues = queues.items;
  fillSelect($('reason'), reasons.items.length ? reasons.items : [{ code: 'break', label: 'Break' }]);
  fillSelect($('disposition'), dispositions.items);
  fillSelect($('to-queue'), queues.items.map((q) => ({ code: q.id, label: q.name })));
  $('who').textContent = `${me.name} · agent panel`;
  document.title = `${me.name} · agent panel`;
  $('desk').hidden = false;
  await refreshDirectory();
  setInterval(() => void refreshDirectory().catch(() => {}), 5000);
  setInterval(tick, 1000);
  setInterval(() => void refreshCall().catch(() => {}), 3000);
  if (me.callId && UUID.test(me.callId)) await followCall(me.callId, me.state === 'wrap_up' ? 'wrap' : 'call');
  render();
  connect();
}

function fillSelect(select, items) {
  select.replaceChildren(...items.map((i) => new Option(i.label, i.code)));
}

// --- the agent's stream

async function connect() {
  try {
    const { token } = await api('POST', '/v1/events/stream-tokens');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/v1/agents/${encodeURIComponent(desk.agentId)}/stream?token=${encodeURIComponent(token)}`);
    desk.socket = socket;
    socket.onopen = async () => {
      desk.retryMs = 1000;
      setLink('live', 'live');
      // Whatever happened while the stream was away: the agent's state and call now.
      desk.me = await api('GET', `/v1/agents/${encodeURIComponent(desk.agentId)}`).catch(() => desk.me);
      render();
    };
    socket.onmessage = (msg) => void onEvent(JSON.parse(msg.data)).catch(showProblem);
    socket.onclose = (ev) => {
      if (ev.code === 4401) return lost('this panel was signed out: its link or key was revoked');
      setLink('lost', 'reconnecting…');
      setTimeout(connect, desk.retryMs);
      desk.retryMs = Math.min(desk.retryMs * 2, 15000);
    };
  } catch (err) {
    if (err.status === 401 || err.status === 403) return lost(err.message);
    setLink('lost', 'reconnecting…');
    setTimeout(connect, desk.retryMs);
    desk.retryMs = Math.min(desk.retryMs * 2, 15000);
  }
}

function setLink(status, text) {
  $('link').dataset.status = status;
  $('link').textContent = text;
}

function lost(why) {
  setLink('lost', why);
  for (const b of document.querySelectorAll('main button')) b.disabled = true;
}

async function onEvent(e) {
  const d = e.data;
  switch (e.type) {
    case 'call.offered':
      desk.pop = { kind: 'offered', callId: d.callId, caller: d.caller, queueId: d.offer.queueId, waitMs: d.offer.waitMs, reason: d.offer.reason, data: d.data };
      render();
      focusPop();
      break;
    case 'call.connected':
      await followCall(d.callId, 'call');
      break;
    case 'campaign.task_offered':
      desk.pop = { kind: 'task', task: d.task, caller: { number: d.task.contact.number, name: d.task.contact.name }, queueId: d.task.queueId, data: taskData(d.task) };
      render();
      focusPop();
      break;
    case 'campaign.task_ended':
      if (desk.pop?.kind === 'task') desk.pop = null;
      render();
      break;
    case 'agent.state_changed':
      desk.me = { ...desk.me, state: d.to, reason: d.reason, since: e.occurredAt, callId: d.callId ?? null };
      if (d.to === 'on_call' && d.callId && UUID.test(d.callId)) await followCall(d.callId, 'call');
      if (d.to === 'wrap_up' && d.callId && UUID.test(d.callId)) {
        desk.wrapCallId = d.callId;
        desk.callId = null;
        desk.transfer = null;
      }
      if (d.to === 'ready' && desk.pop?.kind === 'offered') desk.pop = null; // the offer went to someone else
      render();
      void refreshDirectory().catch(() => {});
      break;
  }
  if (desk.callId || desk.wrapCallId) await refreshCall();
}

/** Brings the screen pop to a keyboard user, unless they are typing (a note, digits). */
function focusPop() {
  const typing = document.activeElement?.matches?.('input, textarea, select');
  if (!typing) $('pop-h').focus();
}

/** What a preview task shows: the campaign, the customer and their order. */
function taskData(task) {
  const c = task.contact;
  return {
    campaign: task.campaignName,
    customer: [c.name, c.reference].filter(Boolean).join(' · ') || c.number,
    ...(task.order ? { order: task.order } : {}),
    attempts: c.attempts,
    ...c.data,
  };
}

/** The call is the agent's now: controls, timeline and the screen pop from the call itself. */
async function followCall(callId, as) {
  if (as === 'call') {
    desk.callId = callId;
    desk.muted = false;
  }
  desk.wrapCallId = callId;
  $('wrap-saved').textContent = '';
  await refreshCall();
  const c = desk.call;
  // An accepted preview task keeps its card: the customer and order, not the dialled legs.
  if (desk.pop?.kind === 'task') desk.pop.callId = callId;
  if (c && desk.pop?.callId !== callId) desk.pop = { kind: 'call', callId, caller: c.caller, queueId: null, waitMs: null, data: c.data };
  if (desk.pop?.callId === callId) desk.pop.kind = 'call';
  render();
}

async function refreshCall() {
  const id = desk.callId ?? desk.wrapCallId;
  if (!id) return;
  desk.call = await api('GET', `/v1/calls/${id}`);
  if (desk.transfer) desk.transfer = await api('GET', `/v1/transfers/${desk.transfer.id}`);
  if (desk.transfer && !['ringback', 'answered', 'conference'].includes(desk.transfer.state)) desk.transfer = null;
  renderCall();
}

async function refreshDirectory() {
  const agents = (await api('GET', '/v1/agents')).items;
  // Redrawn only when something changed: a list rebuilt every few seconds under an agent
  // choosing a transfer target would close their pick or move it.
  const same = JSON.stringify(agents) === JSON.stringify(desk.agents);
  desk.agents = agents;
  if (!same) renderDirectory();
}

// --- actions

const state = (action, extra = {}) => act(async () => {
  desk.me = await api('POST', `/v1/agents/${encodeURIComponent(desk.agentId)}/state`, { action, ...extra });
  render();
});
$('btn-login').addEventListener('click', state('login'));
$('btn-ready').addEventListener('click', state('ready'));
$('btn-logout').addEventListener('click', state('logout'));
$('btn-not-ready').addEventListener('click', (ev) => state('not_ready', { reason: $('reason').value })(ev));

const onCall = (path, body) => api('POST', `/v1/calls/${desk.callId}/${path}`, body);
const held = () => {
  const tl = desk.call?.timeline ?? [];
  const last = [...tl].reverse().find((t) => t.type === 'call.held' || t.type === 'call.resumed');
  return last?.type === 'call.held';
};
$('btn-hold').addEventListener('click', act(async () => {
  await onCall(held() ? 'unhold' : 'hold');
  await refreshCall();
}));
$('btn-mute').addEventListener('click', act(async () => {
  await onCall(desk.muted ? 'unmute' : 'mute');
  desk.muted = !desk.muted;
  renderCall();
}));
$('dtmf').addEventListener('submit', act(async () => {
  await onCall('dtmf', { digits: $('dtmf-digits').value.trim() });
  $('dtmf-digits').value = '';
}));
$('btn-hangup').addEventListener('click', act(() => onCall('hangup')));

for (const radio of document.querySelectorAll('input[name="kind"]')) {
  radio.addEventListener('change', () => {
    for (const l of document.querySelectorAll('#transfer label[data-kind]')) l.hidden = l.dataset.kind !== radio.value;
  });
}
$('transfer').addEventListener('submit', act(async (ev) => {
  const mode = ev.submitter?.value === 'blind' ? 'blind' : 'attended';
  const kind = document.querySelector('input[name="kind"]:checked').value;
  let to;
  if (kind === 'agent') to = { agentId: $('to-agent').value };
  else if (kind === 'number') to = { number: $('to-number').value.trim() };
  // A queue: blind, the caller goes back into it; consult, its first ready agent picks up.
  else to = { queueId: $('to-queue').value };
  desk.transfer = await onCall('transfers', { to, mode });
  if (mode === 'blind') desk.transfer = null;
  await refreshCall();
}));
const onTransfer = (command) => act(async () => {
  const t = await api('POST', `/v1/transfers/${desk.transfer.id}/${command}`);
  // A conference goes on: from it the agent leaves (complete) or drops the colleague (cancel).
  desk.transfer = t.state === 'conference' ? t : null;
  await refreshCall();
});
$('btn-complete').addEventListener('click', onTransfer('complete'));
$('btn-cancel').addEventListener('click', onTransfer('cancel'));
$('btn-conference').addEventListener('click', onTransfer('conference'));

$('btn-accept').addEventListener('click', act(async () => {
  // The answer names the click-to-dial call placed for the task (the agent's phone rings first).
  const task = await api('POST', `/v1/agents/${encodeURIComponent(desk.agentId)}/tasks/${desk.pop.task.id}/accept`);
  if (task.callId) await followCall(task.callId, 'call');
}));
$('btn-decline').addEventListener('click', act(async () => {
  await api('POST', `/v1/agents/${encodeURIComponent(desk.agentId)}/tasks/${desk.pop.task.id}/decline`);
  desk.pop = null;
  render();
}));

$('wrap-form').addEventListener('submit', act(async () => {
  const w = await api('PUT', `/v1/agents/${encodeURIComponent(desk.agentId)}/calls/${desk.wrapCallId}/wrap-up`, { code: $('disposition').value, note: $('note').value });
  $('wrap-saved').textContent = `Saved: ${w.label}`;
  $('note').value = '';
  await refreshCall();
}));

// --- rendering

const since = (iso) => {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const text = (tag, value, cls) => {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
};

function tick() {
  if (desk.me) $('state-time').textContent = since(desk.me.since);
  for (const td of document.querySelectorAll('#directory td[data-since]')) td.textContent = since(td.dataset.since);
}

function render() {
  const me = desk.me;
  if (!me) return;
  $('state').dataset.state = me.state;
  $('state-name').textContent = STATE_NAMES[me.state] + (me.state === 'not_ready' && me.reason ? ` (${me.reason})` : '');
  tick();
  const out = me.state === 'logged_out';
  $('btn-login').disabled = !out;
  $('btn-ready').disabled = out || me.state === 'ready' || me.state === 'on_call' || me.state === 'reserved';
  // Not ready again with another reason is a change too (from login to lunch).
  $('btn-not-ready').disabled = out;
  $('btn-logout').disabled = out;
  renderPop();
  renderCall();
}

function renderPop() {
  const p = desk.pop;
  const box = $('pop');
  box.dataset.kind = p ? p.kind : 'none';
  $('task-actions').hidden = p?.kind !== 'task';
  const facts = [];
  const data = { ...(p?.data ?? {}) };
  if (!p) {
    $('pop-h').textContent = 'No call';
    $('pop-sub').textContent = 'Calls and preview tasks offered to you appear here.';
  } else if (p.kind === 'task') {
    $('pop-h').textContent = `Preview task: call ${p.caller.name || p.caller.number}?`;
    $('pop-sub').textContent = 'Accept to ring your phone, then the customer.';
    facts.push(['Number', p.caller.number], ['Queue', desk.queues.find((q) => q.id === p.queueId)?.name ?? p.queueId]);
  } else {
    const who = p.caller?.name || p.caller?.number || 'Unknown caller';
    $('pop-h').textContent = p.kind === 'offered' ? `Incoming: ${who}` : `On call: ${who}`;
    $('pop-sub').textContent = p.kind === 'offered' ? (p.reason === 'queue' ? 'Answer on your phone.' : `A colleague is handing you this call (${p.reason}). Answer on your phone.`) : '';
    facts.push(['Number', p.caller?.number ?? '—'], ['Name', p.caller?.name ?? '—']);
    if (p.queueId) facts.push(['Queue', desk.queues.find((q) => q.id === p.queueId)?.name ?? p.queueId]);
    if (p.waitMs != null) facts.push(['Waited', `${Math.round(p.waitMs / 1000)} s`]);
  }
  $('pop-facts').replaceChildren(...facts.flatMap(([k, v]) => [text('dt', k), text('dd', v)]));
  // What the IVR found (a customer, an order) first and large; the rest of its data below.
  const found = Object.keys(data).filter((k) => /customer|order|contact|name/i.test(k));
  const foundBox = $('pop-found');
  foundBox.hidden = found.length === 0;
  foundBox.replaceChildren(...found.flatMap((k) => {
    const v = data[k];
    delete data[k];
    return [text('strong', k), text('span', typeof v === 'object' ? JSON.stringify(v) : String(v))];
  }));
  $('pop-data').replaceChildren(...Object.entries(data).flatMap(([k, v]) => [text('dt', k), text('dd', typeof v === 'object' ? JSON.stringify(v) : String(v))]));
}

function renderCall() {
  const active = Boolean(desk.callId) && desk.call?.state !== 'ended';
  $('call').hidden = !active;
  $('wrap').hidden = !desk.wrapCallId;
  if (active) {
    const h = held();
    $('btn-hold').textContent = h ? 'Resume' : 'Hold';
    $('btn-hold').setAttribute('aria-pressed', String(h));
    $('btn-mute').textContent = desk.muted ? 'Unmute' : 'Mute';
    $('btn-mute').setAttribute('aria-pressed', String(desk.muted));
  }
  const t = desk.transfer;
  $('xfer').hidden = !t;
  if (t) {
    const target = t.to.agentId ? desk.agents.find((a) => a.id === t.to.agentId)?.name ?? t.to.agentId : t.to.number ?? t.to.extension;
    const inConference = t.state === 'conference';
    $('xfer-status').textContent = inConference
      ? `In conference with ${target} and the caller.`
      : t.state === 'answered'
        ? `Talking with ${target}; the caller is on hold.`
        : `Ringing ${target}…`;
    $('btn-complete').textContent = inConference ? 'Leave conference' : 'Complete transfer';
    $('btn-cancel').textContent = inConference ? `Drop ${target}` : 'Cancel, back to caller';
    $('btn-conference').hidden = inConference || t.state !== 'answered';
  }
  const tl = desk.call?.timeline ?? [];
  const list = $('timeline');
  const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.replaceChildren(
    ...(tl.length ? tl : [null]).map((item) => {
      const li = document.createElement('li');
      if (!item) {
        li.className = 'empty muted';
        li.textContent = 'No call yet.';
        return li;
      }
      const time = text('time', new Date(item.at).toLocaleTimeString([], { hour12: false }));
      time.dateTime = item.at;
      li.append(time, text('span', describe(item)));
      return li;
    }),
  );
  // Follow the newest entry unless the agent scrolled back to read.
  if (atEnd) list.scrollTop = list.scrollHeight;
}

const agentName = (id) => desk.agents.find((a) => a.id === id)?.name ?? id;

function describe(item) {
  const d = item.data ?? {};
  const name = TIMELINE_NAMES[item.type] ?? item.type;
  if (item.type === 'agent.state_changed') return `${agentName(d.agentId)}: ${STATE_NAMES[d.to] ?? d.to}`;
  if (item.type === 'ivr.step') return `IVR: ${d.node}${d.outcome ? ` (${d.outcome})` : ''}`;
  if (item.type === 'call.offered') return `Offered to ${agentName(d.offer?.agentId)}`;
  if (item.type === 'call.connected') return d.agent ? `Connected to ${agentName(d.agent.id)}` : name;
  if (item.type === 'call.queued') return d.queue ? `Queued in ${desk.queues.find((q) => q.id === d.queue.id)?.name ?? d.queue.id}` : name;
  if (item.type === 'call.wrap_up_recorded') return `Wrap-up by ${agentName(d.wrapUp?.agentId)}: ${d.wrapUp?.label}`;
  if (item.type.startsWith('call.transfer') && d.transfer) return `${name}: ${d.transfer.to?.agentId ?? d.transfer.to?.number ?? d.transfer.to?.extension ?? ''} (${d.transfer.state})`;
  return name;
}

function renderDirectory() {
  const rows = desk.agents.map((a) => {
    const tr = document.createElement('tr');
    if (a.id === desk.agentId) tr.className = 'me';
    const badge = text('span', STATE_NAMES[a.state] + (a.reason && a.state === 'not_ready' ? ` · ${a.reason}` : ''), 'badge');
    badge.dataset.state = a.state;
    const td = document.createElement('td');
    td.append(badge);
    const time = text('td', since(a.since));
    time.dataset.since = a.since;
    tr.append(text('td', a.name), td, time);
    return tr;
  });
  $('directory').replaceChildren(...rows);
  // The transfer list: everyone but me, the ready ones first.
  const chosen = $('to-agent').value;
  const others = desk.agents.filter((a) => a.id !== desk.agentId).sort((a, b) => (a.state === 'ready' ? 0 : 1) - (b.state === 'ready' ? 0 : 1));
  // Not while the agent is choosing from it.
  if (document.activeElement === $('to-agent')) return;
  fillSelect($('to-agent'), others.map((a) => ({ code: a.id, label: `${a.name} — ${STATE_NAMES[a.state]}` })));
  if (others.some((a) => a.id === chosen)) $('to-agent').value = chosen;
}

start();
