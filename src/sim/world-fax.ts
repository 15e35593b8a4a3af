// SendFAX on an originated channel, and the scripted fax machine at the far end. The
// variable and event sequences follow res_fax as captured (ami/09, 10, 11; README fact 10):
// failure values are preset, cleared, and the final values written just before the
// SendFAX/ReceiveFAX event.
import type { ChannelSnapshot, EndpointBehaviour, WorldEvent } from './world-types.js';

/** What the far end of a fax call does. */
export type FaxReceiverScript =
  | { behaviour: 'fax'; pages: number }
  /** Answers, is not a fax machine, hangs up after 3 s (capture 10). */
  | { behaviour: 'hangup' }
  /** A fax machine cut off before page 1 completes (capture 11). */
  | { behaviour: 'abort' }
  | { behaviour: 'busy' }
  | { behaviour: 'no-answer' };

export const FAX_BEHAVIOURS = ['fax', 'hangup', 'abort', 'busy', 'no-answer'] as const;

export interface FaxHost {
  after(simulatedMs: number, fn: () => void, ownerId: string): void;
  varSet(channelId: string, name: string, value: string): void;
  dialplanStep(channelId: string, priority: number, app: string, appData: string): void;
  getVar(channelId: string, name: string): string | undefined;
  snap(channelId: string): ChannelSnapshot | undefined;
  emit(e: WorldEvent): void;
  date(): Date;
  /** Hangs the channel (and its Local peer) up with a normal clearing. */
  hangup(channelId: string): void;
  faxDir(): string;
}

/** fax-in: the lab's receiving fax machine; cti-fax: the shipped dialplan's way out to one. */
const FAX_CONTEXTS = new Set(['fax-in', 'cti-fax']);
const RATE = '14400';
const FINE = '8031x7700';
/** Simulated ms: training before page 1, then each page. The lab's 1-page fax took ~18 s. */
const TRAINING_MS = 12_000;
const PAGE_MS = 6_000;

/** The lab dialplan's fax-in extensions (README): rx receives, fail hangs up, abort is cut off. */
function labScript(key: string): FaxReceiverScript {
  if (key === 'fail') return { behaviour: 'hangup' };
  if (key === 'abort') return { behaviour: 'abort' };
  return { behaviour: 'fax', pages: 1 };
}

/**
 * `Local/rx@fax-in/n` -> rx, `Local/5551234@cti-fax/n` -> 5551234, `PJSIP/5551234@trunk`
 * -> 5551234: the fax machine a dial string reaches.
 */
export function faxReceiverKey(resource: string): string {
  return resource.split('/')[0]!.split('@')[0]!;
}

export class FaxDesk {
  private readonly scripts = new Map<string, FaxReceiverScript>();

  constructor(private readonly host: FaxHost) {}

  /** Scripts the fax machine reached at `number` (a Local exten or the number a trunk dials). */
  setReceiver(number: string, script: FaxReceiverScript): void {
    this.scripts.set(number, script);
  }

  receiver(key: string): FaxReceiverScript {
    return this.scripts.get(key) ?? labScript(key);
  }

  /** Busy and unanswered fax lines ring like any endpoint; undefined leaves it to the world. */
  dialBehaviour(tech: string, resource: string): EndpointBehaviour | undefined {
    const [, context = ''] = resource.split('/')[0]!.split('@');
    const key = faxReceiverKey(resource);
    if (!(tech === 'Local' && FAX_CONTEXTS.has(context)) && !this.scripts.has(key)) return undefined;
    const script = this.receiver(key);
    if (script.behaviour === 'busy') return { behaviour: 'busy' };
    if (script.behaviour === 'no-answer') return { behaviour: 'ring-out' };
    return tech === 'Local' ? { behaviour: 'answer', answerAfterMs: 0 } : undefined;
  }

  /** `one` answered and runs SendFAX(file); `two` is the far end when it is a Local half. */
  send(oneId: string, twoId: string | undefined, resource: string, file: string): void {
    const h = this.host;
    const local = h.getVar(oneId, 'FAXOPT(localstationid)') ?? '';
    const script = this.receiver(faxReceiverKey(resource));
    // Only the lab's fax-in runs ReceiveFAX on the PBX itself; cti-fax dials out to a machine elsewhere.
    if (!resource.split('/')[0]!.endsWith('@fax-in')) twoId = undefined;
    this.start(oneId, 'send', local, file);
    const received = `${h.faxDir()}/rx-${twoId ?? oneId}.tif`;
    let endMs: number;
    let pages = 0;
    let resolution = FINE;
    switch (script.behaviour) {
      case 'fax':
        pages = Math.max(1, script.pages);
        endMs = TRAINING_MS + PAGE_MS * pages;
        if (twoId) this.receiveSide(twoId, local, received, endMs, { pages, ok: true });
        break;
      case 'abort':
        endMs = 6_000;
        if (twoId) this.receiveSide(twoId, local, received, endMs, { pages: 0, ok: false });
        break;
      default:
        // Not a fax machine: it answered, waited and hung up; SendFAX never trained.
        endMs = 3_000;
        resolution = '0x0';
        if (twoId) h.dialplanStep(twoId, 3, 'Wait', '3');
        break;
    }
    h.after(endMs, () => this.finishSend(oneId, local, file, pages, resolution, script.behaviour === 'fax'), oneId);
  }

  /** The sender sees the far end hang up, then writes its final values and reports. */
  private finishSend(oneId: string, local: string, file: string, pages: number, resolution: string, ok: boolean): void {
    const h = this.host;
    if (!h.snap(oneId)) return;
    this.vars(oneId, [
      ['FAXSTATUS', 'FAILED'],
      ['FAXERROR', 'HANGUP'],
      ['FAXSTATUSSTRING', 'remote channel hungup'],
      ['REMOTESTATIONID', ''],
      ['LOCALSTATIONID', local],
      ['FAXMODE', 'audio'],
      ['FAXPAGES', '0'],
    ]);
    const dropped = 'The call dropped prematurely';
    this.vars(oneId, [
      ['FAXSTATUS', ok ? 'SUCCESS' : 'FAILED'],
      ['FAXERROR', ok ? 'HANGUP' : dropped],
      ['FAXSTATUSSTRING', ok ? 'OK' : dropped],
      ['REMOTESTATIONID', ''],
      ['LOCALSTATIONID', local],
      ['FAXBITRATE', RATE],
      ['FAXRESOLUTION', resolution],
      ['FAXMODE', 'audio'],
      ['FAXPAGES', String(pages)],
    ]);
    this.result(oneId, 'send', local, '', pages, resolution, file);
    h.hangup(oneId);
  }

  private receiveSide(twoId: string, remote: string, file: string, endMs: number, o: { pages: number; ok: boolean }): void {
    const h = this.host;
    h.dialplanStep(twoId, 3, 'ReceiveFAX', file);
    this.start(twoId, 'receive', '', file, [
      ['FAXERROR', 'Channel Problems'],
      ['FAXSTATUSSTRING', 'Error before FAX transmission started.'],
    ]);
    h.after(endMs - 1, () => {
      if (!h.snap(twoId)) return;
      if (!o.ok) {
        // Cut off: the receiver too sees the hang-up, then "dropped prematurely" (capture 11).
        this.vars(twoId, [
          ['FAXSTATUS', 'FAILED'],
          ['FAXERROR', 'HANGUP'],
          ['FAXSTATUSSTRING', 'remote channel hungup'],
          ['REMOTESTATIONID', ''],
          ['LOCALSTATIONID', ''],
          ['FAXMODE', 'audio'],
          ['FAXPAGES', '0'],
          ['FAXSTATUS', 'FAILED'],
          ['FAXERROR', 'The call dropped prematurely'],
          ['FAXSTATUSSTRING', 'The call dropped prematurely'],
          ['REMOTESTATIONID', remote],
          ['LOCALSTATIONID', ''],
          ['FAXBITRATE', RATE],
          ['FAXRESOLUTION', '0x0'],
          ['FAXMODE', 'audio'],
          ['FAXPAGES', '0'],
        ]);
      } else {
        this.vars(twoId, [
          ['FAXSTATUS', 'SUCCESS'],
          ['FAXSTATUSSTRING', 'OK'],
          ['REMOTESTATIONID', remote],
          ['LOCALSTATIONID', ''],
          ['FAXBITRATE', RATE],
          ['FAXRESOLUTION', FINE],
          ['FAXMODE', 'audio'],
          ['FAXPAGES', String(o.pages)],
        ]);
      }
      this.result(twoId, 'receive', '', remote, o.pages, o.ok ? FINE : '0x0', file);
    }, twoId);
  }

  /** res_fax starting a session: preset failure, Allocating, cleared, In Progress. */
  private start(id: string, operation: 'send' | 'receive', local: string, file: string, extra: [string, string][] = []): void {
    this.vars(id, [
      ['FAXSTATUS', 'FAILED'],
      ['FAXPAGES', '0'],
      ['FAXSTATUS', 'FAILED'],
      ['FAXERROR', 'INIT_ERROR'],
      ['FAXSTATUSSTRING', 'error starting fax session'],
      ['REMOTESTATIONID', ''],
      ['LOCALSTATIONID', local],
      ['FAXMODE', 'audio'],
      ['FAXPAGES', '0'],
      ...extra,
    ]);
    this.status(id, operation, 'Allocating Resources', local, file);
    this.vars(id, [
      ['FAXSTATUS', ''],
      ['FAXERROR', ''],
      ['FAXSTATUSSTRING', ''],
      ['REMOTESTATIONID', ''],
      ['LOCALSTATIONID', local],
      ['FAXMODE', 'audio'],
      ['FAXPAGES', '0'],
    ]);
    this.status(id, operation, 'FAX Transmission In Progress', local, file);
  }

  private vars(id: string, pairs: [string, string][]): void {
    for (const [k, v] of pairs) this.host.varSet(id, k, v);
  }

  private status(id: string, operation: 'send' | 'receive', status: string, localStationId: string, fileName: string): void {
    const channel = this.host.snap(id);
    if (!channel) return;
    this.host.emit({ type: 'FaxStatus', at: this.host.date(), apps: [], channel, operation, status, localStationId, fileName });
  }

  private result(id: string, operation: 'send' | 'receive', localStationId: string, remoteStationId: string, pages: number, resolution: string, fileName: string): void {
    const channel = this.host.snap(id);
    if (!channel) return;
    this.host.emit({
      type: 'FaxResult',
      at: this.host.date(),
      apps: [],
      channel,
      operation,
      localStationId,
      remoteStationId,
      pages,
      resolution,
      transferRate: RATE,
      fileName,
    });
  }
}
