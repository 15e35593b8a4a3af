// The wallboard's script, served as is. It draws what the server computed (figures with
// their levels, ordered tiles, the chart's geometry) and keeps three things of its own:
// timers between frames, paging what does not fit, and noticing that frames stopped
// coming — then it greys the board, freezes the timers and says how old the data is.
// Text from the server is only ever set as textContent; SVG attributes get numbers.
export const WALLBOARD_JS = `'use strict';
(function () {
  var token = new URLSearchParams(location.search).get('token') || '';
  var STALE_AFTER_S = 5, PAGE_EVERY_MS = 8000;
  var view = null, skew = 0, lastFrame = 0, lastFrameServer = 0, feedUp = false, closed = false, paused = false;
  var page = { queues: 0, agents: 0 };
  var STATES = { ready: 'Ready', reserved: 'Ringing', on_call: 'On call', wrap_up: 'Wrap-up', not_ready: 'Not ready' };
  var LABELS = { waiting: 'Waiting', longestWait: 'Longest wait', ready: 'Ready', onCall: 'On call', wrapUp: 'Wrap-up',
    notReady: 'Not ready', offered: 'Offered', answered: 'Answered', abandoned: 'Abandoned', serviceLevel: 'Service level',
    asa: 'Speed of answer', aht: 'Handle time' };
  var SECONDS = { longestWait: 1, asa: 1, aht: 1 };
  var GLYPHS = { warning: '\\u25B2', alarm: '\\u25A0' };
  var SHORT = { waiting: 'Wait', longestWait: 'Longest', ready: 'Ready', onCall: 'On call', wrapUp: 'Wrap', notReady: 'Not rdy',
    offered: 'Offered', answered: 'Answ.', abandoned: 'Aband.', serviceLevel: 'SL', asa: 'ASA', aht: 'AHT' };
  var SVG = 'http://www.w3.org/2000/svg';
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = String(text); if (cls) e.className = cls; return e; }
  function svg(tag, attrs, text) { var e = document.createElementNS(SVG, tag); for (var k in attrs) e.setAttribute(k, String(attrs[k])); if (text !== undefined) e.textContent = String(text); return e; }
  function clock(sec) { sec = Math.max(0, Math.floor(sec)); var h = Math.floor(sec / 3600), m = Math.floor(sec / 60) % 60, s = sec % 60;
    return (h ? h + ':' + (m < 10 ? '0' : '') : '') + m + ':' + (s < 10 ? '0' : '') + s; }
  function stale() { return closed || !lastFrame || !feedUp || (Date.now() - lastFrame) / 1000 > STALE_AFTER_S; }
  // Frozen at the last frame's time while the data is old: running timers would look live.
  function now() { return stale() ? lastFrameServer : Date.now() + skew; }
  function format(f) {
    if (f.value === null) return '\\u2013';
    if (SECONDS[f.metric]) return clock(f.value);
    if (f.metric === 'serviceLevel') return Math.round(f.value) + (document.body.dataset.density === 'many' ? '%' : ' %');
    return String(f.value);
  }

  function figure(f) {
    var d = el('div', undefined, 'fig'); d.dataset.metric = f.metric; d.dataset.level = f.level; d.setAttribute('role', 'group');
    d.appendChild(el('span', LABELS[f.metric] || f.metric, 'label'));
    var v = el('span', format(f), 'value'); v.dataset.value = f.value === null ? '' : String(f.value); d.appendChild(v);
    var mark = el('span', undefined, 'mark');
    if (GLYPHS[f.level]) { mark.appendChild(el('span', GLYPHS[f.level], 'glyph')); mark.appendChild(el('span', ' ' + f.level, 'word')); }
    d.appendChild(mark);
    d.setAttribute('aria-label', (LABELS[f.metric] || f.metric) + ' ' + format(f) + (GLYPHS[f.level] ? ', ' + f.level : ''));
    return d;
  }
  function renderQueues() {
    var n = view.queues.length;
    document.body.dataset.density = n <= 1 ? 'one' : n <= 4 ? 'few' : 'many';
    var box = $('queues'); box.replaceChildren();
    view.queues.forEach(function (q) {
      var card = el('div', undefined, 'queue'); card.dataset.queue = q.id; card.dataset.level = q.level; card.setAttribute('role', 'listitem');
      var h = el('h3', q.name); h.appendChild(el('span', ' \\u2265' + q.target.percent + ' % in ' + q.target.seconds + ' s', 'target'));
      card.appendChild(h);
      q.figures.forEach(function (f) { card.appendChild(figure(f)); });
      box.appendChild(card);
    });
    $('no-queues').hidden = n > 0;
    var heads = $('queue-heads');
    if (!heads.childElementCount) { heads.appendChild(el('span', 'Queue')); Object.keys(SHORT).forEach(function (k) { var h = el('span', SHORT[k]); h.title = LABELS[k]; heads.appendChild(h); }); }
    paginate(box, 'queues', $('queues-pager'));
  }
  function renderAgents() {
    var counts = $('states'); counts.replaceChildren();
    Object.keys(STATES).forEach(function (s) {
      var c = el('span'); c.dataset.state = s; c.appendChild(el('b', view.agentsByState[s] || 0)); c.appendChild(document.createTextNode(' ' + STATES[s]));
      counts.appendChild(c);
    });
    var box = $('agents'); box.replaceChildren();
    var t = now();
    view.agents.forEach(function (a) {
      var tile = el('div', undefined, 'tile'); tile.dataset.agent = a.id; tile.dataset.agentState = a.state; tile.setAttribute('role', 'listitem');
      tile.appendChild(el('div', a.name, 'name'));
      tile.appendChild(el('div', (STATES[a.state] || a.state) + (a.reason ? ' \\u00B7 ' + a.reason : ''), 'state'));
      tile.appendChild(el('div', clock((t - a.since) / 1000), 'time'));
      box.appendChild(tile);
    });
    paginate(box, 'agents', $('agents-pager'));
  }
  // Shows the page of children that fits the box; the rest wait for their turn.
  function paginate(box, key, pager) {
    var items = box.children, per = 0, i;
    for (i = 0; i < items.length; i++) items[i].hidden = false;
    for (i = 0; i < items.length; i++) { if (items[i].offsetTop + items[i].offsetHeight <= box.clientHeight + 1) per++; else break; }
    per = Math.max(1, per);
    var pages = Math.ceil(items.length / per) || 1;
    var p = page[key] % pages;
    for (i = 0; i < items.length; i++) items[i].hidden = Math.floor(i / per) !== p;
    pager.hidden = pages < 2;
    pager.textContent = 'page ' + (p + 1) + ' / ' + pages + (paused ? ' (paused)' : '');
    pager.dataset.pages = String(pages);
  }
  function drawChart(c) {
    var s = svg('svg', { viewBox: '0 0 ' + c.width + ' ' + c.height, 'aria-hidden': 'true' });
    c.yTicks.forEach(function (t) {
      s.appendChild(svg('line', { x1: c.plot.left, x2: c.plot.right, y1: t.y, y2: t.y, 'class': 'grid' }));
      s.appendChild(svg('text', { x: c.plot.left - 10, y: t.y + 7, 'text-anchor': 'end' }, t.label));
    });
    [0, 50, 100].forEach(function (p) {
      var y = c.plot.bottom - (p / 100) * (c.plot.bottom - c.plot.top);
      s.appendChild(svg('text', { x: c.plot.right + 10, y: y + 7 }, p + ' %'));
    });
    c.xTicks.forEach(function (t) { s.appendChild(svg('text', { x: t.x, y: c.height - 10, 'text-anchor': 'middle' }, t.label)); });
    c.bars.forEach(function (b) {
      s.appendChild(svg('rect', { x: b.x, y: b.answered.y, width: b.w, height: b.answered.h, 'class': 'bar-answered' }));
      s.appendChild(svg('rect', { x: b.x, y: b.abandoned.y, width: b.w, height: b.abandoned.h, 'class': 'bar-abandoned' }));
      s.appendChild(svg('rect', { x: b.x, y: b.offered.y, width: b.w, height: b.offered.h, 'class': 'bar-offered' }));
    });
    if (c.lastWeek) s.appendChild(svg('path', { d: c.lastWeek, 'class': 'line-week' }));
    if (c.targetY !== null) s.appendChild(svg('line', { x1: c.plot.left, x2: c.plot.right, y1: c.targetY, y2: c.targetY, 'class': 'line-target' }));
    if (c.serviceLevel) s.appendChild(svg('path', { d: c.serviceLevel, 'class': 'line-sl' }));
    return s;
  }
  function totals(c) { return c.totals.offered + ' offered (last week ' + c.totals.lastWeekOffered + ')'; }
  // One chart: the section's heading names it. A few: each its own caption, so a glance finds the queue.
  function renderChart() {
    var charts = view.charts, box = $('charts'), one = charts.length === 1;
    box.dataset.count = String(charts.length);
    $('chart-title').textContent = one ? 'Today \u2013 ' + charts[0].title : 'Today by queue';
    $('chart-totals').textContent = one ? totals(charts[0]) : '';
    box.replaceChildren.apply(box, charts.map(function (c) {
      var fig = el('figure', undefined, 'chart');
      if (c.queueId) fig.dataset.chartQueue = c.queueId;
      var cap = el('figcaption', c.title + ' ');
      cap.appendChild(el('span', totals(c), 'muted'));
      var plot = el('div', undefined, 'plot');
      plot.setAttribute('role', 'img');
      plot.setAttribute('aria-label', 'Today, ' + c.title + ': ' + totals(c));
      plot.appendChild(drawChart(c));
      fig.appendChild(cap);
      fig.appendChild(plot);
      return fig;
    }));
  }
  function renderStatus() {
    var st = $('status');
    if (closed) return;
    if (!lastFrame) { st.dataset.state = 'connecting'; st.textContent = 'connecting\\u2026'; return; }
    var old = stale();
    document.body.classList.toggle('stale', old);
    st.dataset.state = old ? 'stale' : 'live';
    st.textContent = old ? 'Data is ' + Math.floor((Date.now() - lastFrame) / 1000) + ' s old' : 'Live';
  }
  function render() {
    renderStatus();
    $('clock').textContent = new Date(Date.now() + skew).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    if (!view) return;
    renderQueues(); renderAgents(); renderChart();
  }
  function everySecond() {
    renderStatus();
    // Between frames only the timers move, and not at all while the data is old.
    if (view && !stale()) { var t = now(); var tiles = $('agents').children;
      for (var i = 0; i < tiles.length && i < view.agents.length; i++) tiles[i].lastChild.textContent = clock((t - view.agents[i].since) / 1000); }
  }
  function sameView(a, b) { var x = Object.assign({}, a, { at: '' }), y = Object.assign({}, b, { at: '' }); return JSON.stringify(x) === JSON.stringify(y); }
  function nextPage() { page.queues++; page.agents++; if (view) { renderQueues(); renderAgents(); } }
  function connect() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/wallboard/stream?token=' + encodeURIComponent(token));
    ws.onopen = function () { feedUp = true; };
    ws.onmessage = function (m) {
      var next = JSON.parse(m.data); lastFrameServer = Date.parse(next.at); skew = lastFrameServer - Date.now(); lastFrame = Date.now(); feedUp = true;
      // Most frames are the heartbeat with nothing new: redrawing them would rebuild the
      // board every second (flicker, lost focus, screen readers starting over).
      var same = view !== null && sameView(view, next);
      view = next;
      if (same) { renderStatus(); everySecond(); } else render();
    };
    ws.onclose = function (ev) {
      feedUp = false;
      if (ev.code === 4401) { closed = true; document.body.classList.add('stale'); $('status').dataset.state = 'closed'; $('status').textContent = 'this wallboard link has expired or was revoked'; return; }
      renderStatus();
      setTimeout(connect, 2000);
    };
  }
  $('agents-pager').addEventListener('click', nextPage);
  document.addEventListener('keydown', function (e) {
    // Space pauses paging (to read a page), the arrow keys turn pages by hand.
    if (e.key === ' ' && e.target === document.body) { paused = !paused; e.preventDefault(); if (view) { renderQueues(); renderAgents(); } }
    if (e.key === 'ArrowRight' || e.key === 'PageDown') nextPage();
  });
  setInterval(everySecond, 1000);
  setInterval(function () { if (!paused && !stale()) nextPage(); }, PAGE_EVERY_MS);
  connect();
})();
`;
