// The wallboard page: plain HTML, CSS and script, no framework and no build step. Text
// from events is only ever set as textContent. Large type, high contrast, for a wall.
export const WALLBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Wallboard</title>
<link rel="stylesheet" href="/wallboard/app.css">
<script src="/wallboard/app.js" defer></script>
</head>
<body>
<header><h1>Contact centre</h1><span id="status" data-testid="status">connecting…</span><span id="clock"></span></header>
<main>
<section><h2>Queues</h2>
<table id="queues"><thead><tr><th>Queue</th><th>Waiting</th><th>Longest wait</th><th>Service level today</th><th>Offered</th><th>Answered</th></tr></thead><tbody></tbody></table>
<p id="no-queues" class="muted">No calls yet today.</p>
</section>
<section><h2>Agents</h2><div id="states"></div><ul id="agents"></ul></section>
</main>
</body>
</html>
`;

export const WALLBOARD_CSS = `
:root { color-scheme: dark; }
body { margin: 0; font: 2.2vh/1.3 system-ui, sans-serif; background: #0b0f14; color: #f1f5f9; }
header { display: flex; gap: 2vw; align-items: baseline; padding: 1.5vh 2vw; background: #111827; }
h1 { font-size: 3.5vh; margin: 0; flex: 1; } h2 { font-size: 3vh; margin: 1vh 0; }
main { display: grid; grid-template-columns: 3fr 2fr; gap: 2vw; padding: 1vh 2vw; }
table { width: 100%; border-collapse: collapse; font-size: 3.2vh; }
th { text-align: left; color: #94a3b8; font-weight: 500; font-size: 2vh; }
td, th { padding: .8vh 1vw; border-bottom: 1px solid #1f2937; }
td.num { font-variant-numeric: tabular-nums; text-align: right; }
.ok { color: #4ade80; } .bad { color: #f87171; } .muted { color: #64748b; }
#states { display: flex; flex-wrap: wrap; gap: 1vw; }
.tile { background: #111827; padding: 1vh 1vw; border-radius: .6vh; min-width: 8vw; }
.tile b { display: block; font-size: 5vh; }
#agents { list-style: none; padding: 0; columns: 2; font-size: 2.4vh; }
.state-ready { color: #4ade80; } .state-on_call { color: #60a5fa; } .state-wrap_up { color: #fbbf24; }
.state-not_ready { color: #f87171; } .state-reserved { color: #c084fc; }
`;

export const WALLBOARD_JS = `'use strict';
(function () {
  var token = new URLSearchParams(location.search).get('token') || '';
  var view = null, skew = 0;
  var LABELS = { ready: 'Ready', reserved: 'Reserved', on_call: 'On call', wrap_up: 'Wrap-up', not_ready: 'Not ready' };
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function clock(sec) { sec = Math.max(0, Math.floor(sec)); var m = Math.floor(sec / 60), s = sec % 60; return m + ':' + (s < 10 ? '0' : '') + s; }
  function now() { return Date.now() + skew; }
  function render() {
    document.getElementById('clock').textContent = new Date(now()).toLocaleTimeString();
    if (!view) return;
    var body = document.querySelector('#queues tbody');
    body.replaceChildren();
    view.queues.forEach(function (q) {
      var tr = el('tr'); tr.dataset.queue = q.id;
      var sl = q.serviceLevelToday;
      var cells = [
        [q.id, 'name'], [q.waiting, 'waiting'],
        [q.longestWaitSince === null ? '–' : clock((now() - q.longestWaitSince) / 1000), 'longest'],
        [sl === null ? '–' : Math.round(sl * 100) + ' % / ' + Math.round(view.serviceLevelTarget * 100) + ' %', 'sl'],
        [q.offeredToday, 'offered'], [q.answeredToday, 'answered']];
      cells.forEach(function (c, i) {
        var td = el('td', c[0], i ? 'num' : ''); td.dataset.field = c[1];
        if (c[1] === 'sl' && q.meetsTarget !== null) td.classList.add(q.meetsTarget ? 'ok' : 'bad');
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById('no-queues').hidden = view.queues.length > 0;
    var states = document.getElementById('states');
    states.replaceChildren();
    Object.keys(view.agentsByState).forEach(function (s) {
      var t = el('div', undefined, 'tile state-' + s); t.dataset.state = s;
      t.appendChild(el('b', view.agentsByState[s])); t.appendChild(el('span', LABELS[s] || s));
      states.appendChild(t);
    });
    var list = document.getElementById('agents');
    list.replaceChildren();
    view.agents.forEach(function (a) {
      var li = el('li', a.id + ' — ' + (LABELS[a.state] || a.state) + (a.reason ? ' (' + a.reason + ')' : '') + ' ' + clock((now() - a.since) / 1000), 'state-' + a.state);
      li.dataset.agent = a.id; li.dataset.agentState = a.state;
      list.appendChild(li);
    });
  }
  function status(text) { document.getElementById('status').textContent = text; }
  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/wallboard/stream?token=' + encodeURIComponent(token));
    ws.onopen = function () { status('live'); };
    ws.onmessage = function (m) { view = JSON.parse(m.data); skew = Date.parse(view.at) - Date.now(); render(); };
    ws.onclose = function (ev) {
      if (ev.code === 4401) { status('this wallboard link has expired or was revoked'); return; }
      status('reconnecting…'); setTimeout(connect, 3000);
    };
  }
  setInterval(render, 1000);
  connect();
})();
`;
