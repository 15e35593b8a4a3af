// The intraday chart's geometry: quarter hours of today (offered, answered, abandoned, the
// service level) against the same weekday last week, scaled into an SVG view box. Pure:
// the page only turns these numbers into elements, so all the judgement (which hours to
// show, a round scale, where each bar goes) is here and tested.

export interface Slot {
  offered: number;
  answered: number;
  abandoned: number;
  /** 0..1, null when no call counted toward it. */
  serviceLevel: number | null;
}

export interface ChartInput {
  /** Today's quarter hours from local midnight; missing ones had no calls. */
  today: Array<Slot | undefined>;
  lastWeek: Array<Slot | undefined>;
  /** The quarter hour now is in (index from midnight). */
  nowSlot: number;
  /** Quarter hours in the day (96; 92 or 100 on a clock change). */
  slotsInDay: number;
  /** The service-level target, 0..1, drawn as a line; null when queues differ. */
  target: number | null;
}

export interface Bar {
  x: number;
  w: number;
  offered: { y: number; h: number };
  answered: { y: number; h: number };
  abandoned: { y: number; h: number };
}

export interface ChartGeometry {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  from: number;
  to: number;
  yMax: number;
  yTicks: Array<{ y: number; label: string }>;
  xTicks: Array<{ x: number; label: string }>;
  bars: Bar[];
  /** SVG path data: last week's offered calls, a step per quarter hour. */
  lastWeek: string;
  /** SVG path data: today's service level on the right-hand 0–100 % scale. */
  serviceLevel: string;
  /** y of the target line, or null. */
  targetY: number | null;
  totals: { offered: number; lastWeekOffered: number };
}

export const WIDTH = 1600;
export const HEIGHT = 400;
/** The view box: the page scales it to its box, so a narrower one keeps the text large. */
export interface ChartSize {
  width: number;
  height: number;
}
// Narrow charts draw their text larger (see the page): the percent scale needs more room.
const plotOf = (size: ChartSize) => ({ left: 70, top: 16, right: size.width - (size.width < WIDTH ? 110 : 80), bottom: size.height - 44 });
/** Room for one hour label ("08:00") on the time axis, in view box units. */
const LABEL_ROOM = 140;
/** The working day shown when nothing has happened yet: 08:00 to 18:00. */
const DEFAULT_DAY: [number, number] = [32, 72];

/** The smallest of 1, 2, 5 × 10^k giving at most `ticks` steps up to at least `max`. */
export function niceScale(max: number, ticks = 4): { top: number; step: number } {
  const want = Math.max(max, 1) / ticks;
  const mag = 10 ** Math.floor(Math.log10(want));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= want)!;
  const stepWhole = Math.max(1, step);
  return { top: Math.ceil(Math.max(max, 1) / stepWhole) * stepWhole, step: stepWhole };
}

/** The hours to show: the working day, widened to every quarter hour with calls and to now. */
export function slotRange(c: ChartInput): [number, number] {
  let from = DEFAULT_DAY[0];
  let to = DEFAULT_DAY[1];
  const busy = (s: Slot | undefined) => s !== undefined && (s.offered > 0 || s.answered > 0 || s.abandoned > 0);
  for (const series of [c.today, c.lastWeek])
    series.forEach((s, i) => {
      if (!busy(s)) return;
      from = Math.min(from, i);
      to = Math.max(to, i + 1);
    });
  from = Math.min(from, c.nowSlot);
  to = Math.max(to, c.nowSlot + 1);
  // Whole hours, so the axis reads 07:00, 08:00, …
  return [Math.max(0, Math.floor(from / 4) * 4), Math.min(c.slotsInDay, Math.ceil(to / 4) * 4)];
}

const r1 = (v: number) => Math.round(v * 10) / 10;
const hh = (slot: number) => `${String(Math.floor(slot / 4) % 24).padStart(2, '0')}:${String((slot % 4) * 15).padStart(2, '0')}`;

export function chartGeometry(c: ChartInput, size: ChartSize = { width: WIDTH, height: HEIGHT }): ChartGeometry {
  const PLOT = plotOf(size);
  const [from, to] = slotRange(c);
  const span = to - from;
  const slotW = (PLOT.right - PLOT.left) / span;
  let max = 0;
  let offered = 0;
  let lastWeekOffered = 0;
  for (let i = from; i < to; i++) {
    max = Math.max(max, c.today[i]?.offered ?? 0, c.lastWeek[i]?.offered ?? 0);
    offered += c.today[i]?.offered ?? 0;
    lastWeekOffered += c.lastWeek[i]?.offered ?? 0;
  }
  const { top, step } = niceScale(max);
  const plotH = PLOT.bottom - PLOT.top;
  const yOf = (n: number) => r1(PLOT.bottom - (n / top) * plotH);
  const hOf = (n: number) => r1((n / top) * plotH);
  const pctY = (p: number) => r1(PLOT.bottom - p * plotH);

  const bars: Bar[] = [];
  for (let i = from; i < to; i++) {
    const s = c.today[i];
    if (!s || (s.offered === 0 && s.answered === 0 && s.abandoned === 0)) continue;
    const x = PLOT.left + (i - from) * slotW;
    // Answered and abandoned stack inside the offered outline (a call offered in one
    // quarter hour may be answered in the next, so the stack can stand above it).
    bars.push({
      x: r1(x + slotW * 0.1),
      w: r1(slotW * 0.8),
      offered: { y: yOf(s.offered), h: hOf(s.offered) },
      answered: { y: yOf(s.answered), h: hOf(s.answered) },
      abandoned: { y: yOf(s.answered + s.abandoned), h: hOf(s.abandoned) },
    });
  }

  const week: string[] = [];
  for (let i = from; i < to; i++) {
    const y = yOf(c.lastWeek[i]?.offered ?? 0);
    const x0 = r1(PLOT.left + (i - from) * slotW);
    week.push(`${i === from ? 'M' : 'L'}${x0} ${y}`, `L${r1(x0 + slotW)} ${y}`);
  }

  const sl: string[] = [];
  let drawing = false;
  for (let i = from; i < to; i++) {
    const v = c.today[i]?.serviceLevel;
    if (v === null || v === undefined) {
      drawing = false;
      continue;
    }
    sl.push(`${drawing ? 'L' : 'M'}${r1(PLOT.left + (i - from + 0.5) * slotW)} ${pctY(Math.min(1, Math.max(0, v)))}`);
    drawing = true;
  }

  const yTicks = [];
  for (let n = 0; n <= top; n += step) yTicks.push({ y: yOf(n), label: String(n) });
  // As many hour labels as fit without touching.
  const fit = Math.max(2, Math.floor((PLOT.right - PLOT.left) / LABEL_ROOM));
  const every = [2, 4, 8, 12, 16, 24, 48].find((e) => span / e <= fit) ?? 48;
  const xTicks = [];
  for (let i = from; i <= to; i += every) xTicks.push({ x: r1(PLOT.left + (i - from) * slotW), label: hh(i) });

  return {
    width: size.width, height: size.height, plot: { ...PLOT }, from, to, yMax: top, yTicks, xTicks, bars,
    lastWeek: week.join(' '), serviceLevel: sl.join(' '),
    targetY: c.target === null ? null : pctY(c.target),
    totals: { offered, lastWeekOffered },
  };
}
