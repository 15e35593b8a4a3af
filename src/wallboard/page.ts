// The wallboard page: plain HTML and CSS, no framework and no build step (the script is in
// page-script.ts). Sized from the viewport with clamp() so one page reads from across the
// room on 1080p and 4K alike; every level is shown by colour, by a mark and by a word.
export { WALLBOARD_JS } from './page-script.js';

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
<body data-density="one">
<header>
<h1>Contact centre</h1>
<span id="status" data-testid="status" data-state="connecting" role="status" aria-live="polite">connecting…</span>
<span id="clock" aria-label="Time"></span>
</header>
<main>
<section id="queues-area" aria-labelledby="queues-title">
<div class="section-head"><h2 id="queues-title">Queues</h2><span class="pager" id="queues-pager" hidden></span></div>
<div class="heads" id="queue-heads" aria-hidden="true"></div>
<div id="queues" role="list"></div>
<p id="no-queues" class="muted">No queues yet.</p>
</section>
<section id="chart-area" aria-labelledby="chart-title">
<div class="section-head"><h2 id="chart-title">Today</h2><span id="chart-totals" class="muted"></span></div>
<div id="charts" data-count="1"></div>
<ul class="legend" aria-label="Legend">
<li><span class="key key-offered"></span>Offered</li><li><span class="key key-answered"></span>Answered</li>
<li><span class="key key-abandoned"></span>Abandoned</li><li><span class="key key-week"></span>Offered, same day last week</li>
<li><span class="key key-sl"></span>Service level</li><li><span class="key key-target"></span>Target</li>
</ul>
</section>
<section id="agents-area" aria-labelledby="agents-title">
<div class="section-head"><h2 id="agents-title">Agents</h2><span id="states" class="counts"></span>
<button type="button" class="pager" id="agents-pager" hidden aria-label="Next page of agents"></button></div>
<div id="agents" role="list"></div>
</section>
</main>
</body>
</html>
`;

export const WALLBOARD_CSS = `
:root { color-scheme: dark; --bg: #0b0f14; --panel: #121a25; --line: #263243; --text: #f1f5f9; --muted: #a3b1c2;
  --ok: #4ade80; --warn-bg: #facc15; --warn-fg: #1a1300; --alarm-bg: #c81e1e; --alarm-fg: #ffffff;
  --ready: #22c55e; --on_call: #3b82f6; --reserved: #a78bfa; --wrap_up: #f59e0b; --not_ready: #ef4444;
  --base: clamp(14px, 1.6vh, 48px); }
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: var(--base)/1.25 system-ui, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--text);
  display: grid; grid-template-rows: auto minmax(0, 1fr); overflow: hidden; transition: filter .3s; }
body.stale main { filter: grayscale(1) brightness(.6); }
body.stale #status { background: var(--alarm-bg); color: var(--alarm-fg); }
header { display: flex; gap: 2vw; align-items: center; padding: .8vh 1.5vw; background: var(--panel); border-bottom: 2px solid var(--line); }
h1 { font-size: 2.2em; margin: 0; flex: 1; }
h2 { font-size: 1.5em; margin: 0; }
#status { font-size: 1.6em; font-weight: 700; padding: .15em .6em; border-radius: .3em; background: #14532d; color: #dcfce7; }
#status[data-state="connecting"] { background: var(--line); color: var(--text); }
#clock { font-size: 2.2em; font-variant-numeric: tabular-nums; font-weight: 600; }
main { display: grid; gap: 1vh 1.2vw; padding: 1vh 1.2vw; min-height: 0;
  grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); grid-template-rows: minmax(0, 1fr) minmax(0, 36vh);
  grid-template-areas: "queues agents" "chart agents"; }
section { background: var(--panel); border-radius: .5vh; padding: .8vh .8vw; min-height: 0; display: flex; flex-direction: column; }
#queues-area { grid-area: queues; } #chart-area { grid-area: chart; } #agents-area { grid-area: agents; }
.section-head { display: flex; align-items: baseline; gap: 1vw; margin-bottom: .6vh; }
.section-head h2 { flex: 1; }
.muted { color: var(--muted); }
.pager { font: inherit; font-size: 1.2em; color: var(--text); background: var(--line); border: 0; border-radius: .3em; padding: .1em .6em; }
button.pager { cursor: pointer; }
:focus-visible { outline: 4px solid #93c5fd; outline-offset: 2px; }
#queues, #agents { position: relative; flex: 1; min-height: 0; overflow: hidden; display: grid; align-content: start; }
.queue { display: grid; border-top: 2px solid var(--line); padding: .4vh 0; }
.queue h3 { margin: 0; font-size: 1.6em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.queue .target { font-size: .9em; color: var(--muted); font-weight: 400; }
.fig { display: flex; flex-direction: column; justify-content: center; padding: .3vh .4vw; border: 3px solid transparent; border-radius: .4vh; min-width: 0; }
.fig .label { color: var(--muted); font-size: 1em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.fig .value { font-size: 2.6em; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.05; white-space: nowrap; }
.fig .mark { font-size: .95em; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; min-height: 1.2em; }
.fig[data-level="warning"] { background: var(--warn-bg); color: var(--warn-fg); border: 3px dashed var(--warn-fg); }
.fig[data-level="alarm"] { background: var(--alarm-bg); color: var(--alarm-fg); border: 3px solid var(--alarm-fg); }
.fig[data-level="warning"] .label, .fig[data-level="alarm"] .label { color: inherit; }
/* One queue: its figures fill the area in big type. */
body[data-density="one"] .queue { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 1vh .8vw; border: 0; height: 100%; align-content: stretch; }
body[data-density="one"] .queue h3 { grid-column: 1 / -1; font-size: 2.4em; }
body[data-density="one"] .fig .value { font-size: clamp(32px, 7vh, 220px); }
body[data-density="one"] .fig .label { font-size: 1.4em; }
/* A few: cards of six figures. */
body[data-density="few"] #queues { grid-template-columns: repeat(auto-fit, minmax(min(100%, 28vw), 1fr)); gap: 1vh .8vw; }
body[data-density="few"] .queue { grid-template-columns: repeat(6, minmax(0, 1fr)); gap: .4vh .3vw; }
body[data-density="few"] .queue h3 { grid-column: 1 / -1; }
body[data-density="few"] .fig .value { font-size: clamp(22px, 3.6vh, 110px); }
/* Many: one row per queue, paged when they do not fit. */
body[data-density="many"] .queue { grid-template-columns: minmax(0, 1.8fr) repeat(12, minmax(0, 1fr)); align-items: center; gap: .3vw; padding: .2vh 0; }
body[data-density="many"] .queue h3 { font-size: 1.35em; }
body[data-density="many"] .fig { padding: 0 .2vw; border-width: 2px; }
body[data-density="many"] .fig .label { display: none; }
body[data-density="many"] .fig .mark { font-size: .8em; min-height: 0; }
body[data-density="many"] .fig { flex-direction: row; align-items: baseline; gap: .2em; }
body[data-density="many"] .fig .word, body[data-density="many"] .queue .target { display: none; }
body[data-density="many"] .fig .value { font-size: clamp(14px, 2.1vh, 64px); }
body[data-density="many"] .fig { overflow: hidden; }
.heads { display: none; }
body[data-density="many"] .heads { display: grid; grid-template-columns: minmax(0, 1.8fr) repeat(12, minmax(0, 1fr)); gap: .3vw; color: var(--muted); font-size: .95em; }
.heads span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
/* One chart, or a few side by side (each queue's); a narrower view box keeps their text large. */
#charts { flex: 1; min-height: 0; display: grid; grid-auto-flow: column; grid-auto-columns: minmax(0, 1fr); gap: .8vw; }
.chart { min-height: 0; display: flex; flex-direction: column; margin: 0; }
.chart figcaption { font-size: 1.3em; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.chart figcaption .muted { font-weight: 400; font-size: .85em; }
#charts[data-count="1"] .chart figcaption { display: none; }
.chart .plot { flex: 1; min-height: 0; }
.chart svg { width: 100%; height: 100%; display: block; }
.chart text { fill: var(--muted); font-size: 22px; }
#charts[data-count="2"] .chart text { font-size: 30px; }
#charts[data-count="3"] .chart text { font-size: 32px; }
.bar-offered { fill: none; stroke: #cbd5e1; stroke-width: 2; }
.bar-answered { fill: #60a5fa; } .bar-abandoned { fill: #f87171; }
.line-week { fill: none; stroke: #e2e8f0; stroke-width: 3; stroke-dasharray: 10 8; }
.line-sl { fill: none; stroke: #facc15; stroke-width: 4; }
.line-target { stroke: #facc15; stroke-width: 2; stroke-dasharray: 3 6; }
.grid { stroke: var(--line); stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: .3vh 1.4vw; list-style: none; margin: .4vh 0 0; padding: 0; font-size: .95em; color: var(--muted); }
.key { display: inline-block; width: 1.6em; height: .8em; margin-right: .4em; vertical-align: middle; }
.key-offered { border: 2px solid #cbd5e1; } .key-answered { background: #60a5fa; } .key-abandoned { background: #f87171; }
.key-week { border-top: 3px dashed #e2e8f0; height: 0; } .key-sl { border-top: 4px solid #facc15; height: 0; } .key-target { border-top: 2px dotted #facc15; height: 0; }
.counts { display: flex; flex-wrap: wrap; gap: .2vh .8vw; font-size: 1em; }
#agents-area .section-head { flex-wrap: wrap; }
#agents-area .section-head h2 { flex: 0 0 auto; } #agents-area .counts { flex: 1; }
.counts b { font-size: 1.3em; }
#agents { grid-template-columns: repeat(auto-fill, minmax(clamp(120px, 9.5vw, 420px), 1fr)); gap: .6vh .5vw; }
.tile { background: #1b2533; border-left: .6vw solid var(--line); border-radius: .4vh; padding: .4vh .5vw; min-width: 0; }
.tile .name { font-weight: 700; font-size: 1.15em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .state { font-size: .95em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .time { font-size: 1.7em; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile[data-agent-state="ready"] { border-color: var(--ready); } .tile[data-agent-state="ready"] .state { color: #86efac; }
.tile[data-agent-state="on_call"] { border-color: var(--on_call); } .tile[data-agent-state="on_call"] .state { color: #93c5fd; }
.tile[data-agent-state="reserved"] { border-color: var(--reserved); } .tile[data-agent-state="reserved"] .state { color: #c4b5fd; }
.tile[data-agent-state="wrap_up"] { border-color: var(--wrap_up); background: #2a2110; } .tile[data-agent-state="wrap_up"] .state { color: #fcd34d; }
.tile[data-agent-state="not_ready"] { border-color: var(--not_ready); background: #2c1515; } .tile[data-agent-state="not_ready"] .state { color: #fca5a5; }
[hidden] { display: none !important; }
`;
