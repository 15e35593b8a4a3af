// The API request duration histogram, counted without per-request label work.
//
// prom-client's Histogram, even through a `labels()` child, turns the label object into a
// hash string, validates it and looks the series up on every observation: 3-4% of a
// cached `GET /v1/calls/{id}` (bench/api.ts), more than the route's own work. Here each
// series (method, route pattern, status code) is an object found once and kept by the
// caller; an observation is a bucket search and three additions. The registry reads it
// like any prom-client metric (same name, type, labels and text format), so scrapes and
// dashboards see no difference.
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

/** One labelled series: cumulative by bucket only when read. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Labels,
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

interface ValuePair {
  labels: Record<string, string | number>;
  sharedLabels?: Labels;
  value: number;
  metricName: string;
}

export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series for these label values (in labelNames' order), made on first use; keep it. */
  seriesFor(values: readonly string[]): HistogramSeries {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (s === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
      s = new HistogramSeries(this.bounds, labels);
      this.series.set(key, s);
    }
    return s;
  }

  /** Zeroes every series in place: callers keep their series objects. */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }

  /** What the registry renders: buckets with `le`, the series' labels shared, as prom-client's own. */
  getForPromString(): { name: string; help: string; type: string; values: ValuePair[]; aggregator: string } {
    const values: ValuePair[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: acc, metricName: bucket });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucket });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON`): labels merged, as prom-client's get(). */
  get(): ReturnType<RequestHistogram['getForPromString']> {
    const m = this.getForPromString();
    return { ...m, values: m.values.map(({ sharedLabels, labels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } })) };
  }
}
