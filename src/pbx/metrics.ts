// PBX connection health as Prometheus gauges, read at scrape time from the clients'
// own counters (no per-event metric updates on the hot path).
import { Gauge } from 'prom-client';
import { registry } from '../api/metrics.js';
import type { PbxNode } from './node.js';

let registered = false;

export function registerPbxMetrics(nodes: PbxNode[]): void {
  if (registered) return;
  registered = true;
  const gauge = (name: string, help: string, read: (n: PbxNode) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pbx'],
      registers: [registry],
      collect() {
        for (const n of nodes) this.set({ pbx: n.id }, read(n));
      },
    });
  gauge('cti_pbx_owner', '1 when this instance owns the PBX node', (n) => (n.isOwner ? 1 : 0));
  gauge('cti_ami_connected', '1 when the AMI session is logged in', (n) => (n.amiClient?.state === 'logged-in' ? 1 : 0));
  gauge('cti_ami_events_received', 'AMI events received since start', (n) => n.amiClient?.stats.eventsReceived ?? 0);
  gauge('cti_ami_bad_lines', 'malformed AMI lines skipped', (n) => n.amiClient?.stats.badLines ?? 0);
  gauge('cti_ami_dropped_events', 'AMI events dropped because handlers fell behind', (n) => n.amiClient?.stats.droppedEvents ?? 0);
  gauge('cti_ami_reconnects', 'AMI reconnects', (n) => n.amiClient?.stats.reconnects ?? 0);
  gauge('cti_ari_connected', '1 when the ARI event socket is connected', (n) => (n.ariClient?.state === 'connected' ? 1 : 0));
  gauge('cti_ari_events_received', 'ARI events received since start', (n) => n.ariClient?.stats.eventsReceived ?? 0);
  gauge('cti_ari_events_repeated', 'ARI events dropped as copies of one just received (an endpoint subscription repeats the app\'s channels)', (n) => n.ariClient?.stats.repeatedEvents ?? 0);
  gauge('cti_ari_bad_frames', 'malformed ARI frames skipped', (n) => n.ariClient?.stats.badFrames ?? 0);
  gauge('cti_ari_reconnects', 'ARI reconnects', (n) => n.ariClient?.stats.reconnects ?? 0);
  gauge('cti_pbx_channels', 'channels on the PBX at the last AMI resync', (n) => n.pbxChannels);
  gauge('cti_pbx_handler_errors', 'PBX event handler failures', (n) => n.handlerErrors);
  gauge('cti_calls_audit_ended', 'open calls this instance ended because their channels were gone from the PBX', (n) => n.auditEnded);
}
