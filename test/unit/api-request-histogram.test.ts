// The request duration histogram counts without prom-client's per-observation label work;
// a scrape must still read exactly what prom-client's own Histogram would have written.
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from '../../src/api/request-histogram.js';

const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LABELS = ['method', 'route', 'status_code'] as const;

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ name: 'x_request_seconds', help: 'a "quoted" help\\', labelNames: LABELS, buckets: BOUNDS, registers: [theirs] });
  const subject = new RequestHistogram('x_request_seconds', 'a "quoted" help\\', LABELS, BOUNDS, ours);
  return { theirs, ours, reference, subject };
}

const observation = fc.record({
  method: fc.constantFrom('GET', 'POST', 'HEAD'),
  route: fc.constantFrom('/v1/calls/:id', '/v1/"odd"\\route\n', 'unmatched'),
  status: fc.constantFrom(200, 201, 404, 429, 500),
  // Bounds themselves included: `le` is inclusive.
  seconds: fc.oneof(fc.constantFrom(...BOUNDS, 0, 7), fc.double({ min: 0, max: 10, noNaN: true })),
});

describe('the request duration histogram', () => {
  it('renders the same text and JSON values as prom-client for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (seen) => {
        const { theirs, ours, reference, subject } = pair();
        for (const o of seen) {
          reference.observe({ method: o.method, route: o.route, status_code: String(o.status) }, o.seconds);
          subject.seriesFor([o.method, o.route, String(o.status)]).observe(o.seconds);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
        const values = (r: Registry) => r.getMetricsAsJSON().then((m) => m[0]!.values.map((v) => ({ labels: v.labels, value: v.value, metricName: (v as { metricName?: string }).metricName })));
        expect(await values(ours)).toEqual(await values(theirs));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a series object across a reset, counting from zero again', async () => {
    const { ours, subject } = pair();
    const series = subject.seriesFor(['GET', '/v1/calls/:id', '200']);
    expect(subject.seriesFor(['GET', '/v1/calls/:id', '200'])).toBe(series);
    series.observe(0.002);
    expect(await ours.metrics()).toContain('x_request_seconds_count{method="GET",route="/v1/calls/:id",status_code="200"} 1');
    subject.reset();
    expect(await ours.metrics()).not.toContain('x_request_seconds_count');
    series.observe(0.2);
    series.observe(3);
    const text = await ours.metrics();
    expect(text).toContain('x_request_seconds_bucket{le="0.25",method="GET",route="/v1/calls/:id",status_code="200"} 1');
    expect(text).toContain('x_request_seconds_count{method="GET",route="/v1/calls/:id",status_code="200"} 2');
    expect(text).toContain('x_request_seconds_sum{method="GET",route="/v1/calls/:id",status_code="200"} 3.2');
  });
});
