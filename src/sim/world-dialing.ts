// Ringing the far end: allocating PJSIP channels and Local pairs, how each endpoint
// answers (or does not), and dialplan Dial() from a channel outside Stasis.
import { CAUSE, SOFT_HANGUP_EXPLICIT } from './world-causes.js';
import { MSG, WorldError } from './world-errors.js';
import { EMPTY_PARTY, splitOnce } from './world-util.js';
import type { DialplanLocation, EndpointBehaviour, PartyId } from './world-types.js';
import { type AnswerOrder, type Channel, type Origin, unionApps } from './world-model.js';
import { WorldMedia } from './world-media-commands.js';

export abstract class WorldDialing extends WorldMedia {
  /** The inbound dialplan (from-pstn) for a channel that reached it. */
  protected abstract runInbound(c: Channel, app: string): void;

  setEndpointBehaviour(endpoint: string, behaviour: EndpointBehaviour): void {
    if (!endpoint.includes('/')) throw new WorldError('bad-request', `Endpoint '${endpoint}' must be tech/resource`);
    const allowed = ['answer', 'ring-out', 'busy', 'unreachable'];
    if (!allowed.includes(behaviour.behaviour)) throw new WorldError('bad-request', `behaviour must be one of ${allowed.join(', ')}`);
    this.endpointBehaviours.set(endpoint, { ...behaviour });
  }

  endpointBehaviour(tech: string, resource: string): EndpointBehaviour {
    const configured = this.endpointBehaviours.get(`${tech}/${resource}`);
    if (configured) return configured;
    const fax = this.fax.dialBehaviour(tech, resource);
    if (fax) return fax;
    if (tech === 'Local') {
      const [exten = '', context = ''] = splitOnce(resource, '@');
      // The lab dialplan: agents _1XXX answer at once, _2XXX ring forever.
      if (context === 'agents' && /^2\d{3}$/.test(exten)) return { behaviour: 'ring-out' };
      return { behaviour: 'answer', answerAfterMs: 0 };
    }
    return { behaviour: 'answer', answerAfterMs: this.defaultAnswerAfterMs };
  }

  protected checkIds(id?: string, otherId?: string): void {
    if ((id && this.chans.has(id)) || (otherId && this.chans.has(otherId))) throw new WorldError('conflict', MSG.duplicateChannelId);
    if (id && otherId && id === otherId) throw new WorldError('conflict', MSG.duplicateChannelId);
  }

  protected parseEndpoint(endpoint: string): { tech: string; resource: string; exten: string; context: string } {
    const [tech = '', resource = ''] = splitOnce(endpoint, '/');
    if (!tech || !resource) throw new WorldError('bad-request', `Endpoint parameter '${endpoint}' does not contain tech/resource`);
    if (tech !== 'Local' && tech !== 'PJSIP' && tech !== 'SIP') throw new WorldError('internal', 'Allocation failed');
    const cleaned = tech === 'Local' ? resource.replace(/\/n$/, '') : resource;
    const [exten = '', context = 'default'] = tech === 'Local' ? splitOnce(cleaned, '@') : [cleaned, 'default'];
    return { tech, resource: cleaned, exten, context: context || 'default' };
  }

  protected allocate(
    ep: { tech: string; resource: string; exten: string; context: string },
    o: { id?: string; otherId?: string; caller: PartyId; accountcode: string; origin: Origin; plainOne?: boolean; linkedid?: string | undefined },
  ): { one: Channel; two?: Channel } {
    const oneDialplan: DialplanLocation = o.plainOne
      ? { context: ep.context, exten: ep.exten, priority: 1, appName: '', appData: '' }
      : { context: ep.context, exten: ep.exten, priority: 1, appName: 'AppDial2', appData: '(Outgoing Line)' };
    if (ep.tech !== 'Local') {
      const one = this.newChannel({
        id: o.id,
        tech: ep.tech,
        resource: ep.resource,
        state: 'Down',
        caller: { ...o.caller },
        connected: { ...o.caller },
        dialplan: { ...oneDialplan, context: 'default', exten: 's' },
        origin: o.origin,
        accountcode: o.accountcode,
        ...(o.linkedid ? { linkedid: o.linkedid } : {}),
      });
      this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(one) });
      return { one };
    }
    const hex = this.nextUnrealHex();
    const base = `Local/${ep.resource}-${hex}`;
    const one = this.newChannel({
      id: o.id,
      name: `${base};1`,
      tech: 'Local',
      resource: ep.resource,
      state: 'Down',
      caller: { ...o.caller },
      connected: { ...o.caller },
      dialplan: oneDialplan,
      origin: o.origin,
      accountcode: o.accountcode,
      ...(o.linkedid ? { linkedid: o.linkedid } : {}),
    });
    const two = this.newChannel({
      id: o.otherId,
      name: `${base};2`,
      tech: 'Local',
      resource: ep.resource,
      state: 'Ring',
      caller: EMPTY_PARTY(),
      connected: EMPTY_PARTY(),
      dialplan: { context: ep.context, exten: ep.exten, priority: 1, appName: '', appData: '' },
      origin: 'local-two',
      accountcode: o.accountcode,
      linkedid: one.linkedid,
    });
    one.localHalf = 1;
    two.localHalf = 2;
    one.localPeerId = two.id;
    two.localPeerId = one.id;
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(one) });
    this.emit({ type: 'ChannelCreated', at: this.date(), apps: [], channel: this.snap(two) });
    this.emit({ type: 'LocalBridge', at: this.date(), apps: [], one: this.snap(one), two: this.snap(two), context: ep.context, exten: ep.exten });
    return { one, two };
  }

  /**
   * Rings the far end of `c` (a PJSIP phone, or the ;2 half of a Local channel running its
   * dialplan) and reports the outcome. Events follow the captured Dial/ChannelStateChange order.
   */
  protected alert(
    c: Channel,
    o: {
      dialString: string;
      timeoutMs?: number;
      caller?: Channel;
      /** Reports the answer to whoever asked for the call (the originate's outcome). */
      announce?: () => void;
      /** What the answered channel does next. */
      onAnswered: () => void;
      onFailed: (reason: number) => void;
      finalDialEvent: boolean;
      timeoutHangup: 'plain' | 'soft';
    },
  ): void {
    const two = c.localPeerId ? this.chans.get(c.localPeerId) : undefined;
    const behaviour = this.endpointBehaviour(c.tech, c.resource);
    const dialApps = () => unionApps(c, o.caller);
    this.emit({ type: 'DialBegin', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString });
    let settled = false;
    let timeout: NodeJS.Timeout | undefined;
    const answer = (order: AnswerOrder = 'two-first') => {
      if (settled || c.gone) return;
      settled = true;
      if (timeout) clearTimeout(timeout);
      const dialEnd = () =>
        this.emit({ type: 'DialEnd', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString, status: 'ANSWER' });
      if (order === 'dialplan-bridged') {
        c.answeredAt = this.date();
        c.dialStatus = 'ANSWER';
        this.setState(c, 'Up');
        o.announce?.();
        if (two && !two.gone) this.setState(two, 'Up');
        dialEnd();
      } else {
        if (two && !two.gone) this.setState(two, 'Up');
        c.answeredAt = this.date();
        this.setState(c, 'Up');
        c.dialStatus = 'ANSWER';
        dialEnd();
        o.announce?.();
      }
      o.onAnswered();
      if (two && !two.gone) this.afterLocalAnswer(two);
    };
    const fail = (status: 'BUSY' | 'NOANSWER' | 'CHANUNAVAIL', cause: number, reason: number) => {
      if (settled || c.gone) return;
      settled = true;
      if (timeout) clearTimeout(timeout);
      c.dialStatus = status;
      if (o.finalDialEvent || status !== 'NOANSWER') {
        this.emit({ type: 'DialEnd', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: o.dialString, status });
      }
      o.onFailed(reason);
      if (o.timeoutHangup === 'soft') this.hangupFlow(c, { requestCause: SOFT_HANGUP_EXPLICIT, soft: true, cause });
      else this.hangupFlow(c, { cause });
    };
    const ringing = () => {
      if (settled || c.gone) return;
      if (two) this.setState(two, 'Ringing');
      this.setState(c, 'Ringing');
      this.emit({ type: 'DialState', at: this.date(), apps: dialApps(), caller: o.caller && this.snap(o.caller), peer: this.snap(c), dialString: '', status: 'RINGING' });
    };
    if (o.timeoutMs !== undefined) timeout = this.after(o.timeoutMs, () => fail('NOANSWER', CAUSE.NO_ANSWER, 3), c);

    if (two && (two.dialplan.context === 'from-pstn')) {
      // ;2 runs the inbound dialplan; ;1 answers when the app answers ;2.
      c.onAnswer = answer;
      this.dialplanStep(two, 1, 'NoOp', `Inbound call to ${two.dialplan.exten}`);
      this.runInbound(two, this.inboundApp);
      return;
    }
    const agentTag = two ? `Agent ${two.dialplan.exten}` : '';
    switch (behaviour.behaviour) {
      case 'answer': {
        const wait = behaviour.answerAfterMs ?? 0;
        if (two) {
          this.dialplanStep(two, 1, 'NoOp', `${agentTag} auto-answers`);
          if (wait <= 0) {
            this.dialplanStep(two, 2, 'Answer', '');
            answer();
          } else {
            this.dialplanStep(two, 2, 'Ringing', '');
            ringing();
            this.after(wait, () => {
              this.dialplanStep(two, 3, 'Answer', '');
              answer();
            }, c);
          }
        } else if (behaviour.atOnce) {
          ringing();
          answer();
        } else {
          ringing();
          this.after(wait, answer, c);
        }
        return;
      }
      case 'ring-out':
        if (two) {
          this.dialplanStep(two, 1, 'NoOp', `${agentTag} never answers`);
          this.dialplanStep(two, 2, 'Ringing', '');
        }
        ringing();
        return;
      case 'busy':
        if (two) this.dialplanStep(two, 1, 'Busy', '');
        this.after(10, () => fail('BUSY', CAUSE.USER_BUSY, 5), c);
        return;
      case 'unreachable':
        this.after(10, () => fail('CHANUNAVAIL', CAUSE.SUBSCRIBER_ABSENT, 0), c);
        return;
    }
  }

  /** What the ;2 half of a Local channel does once the call is up. */
  protected afterLocalAnswer(two: Channel): void {
    if (two.dialplan.context !== 'agents') return;
    const talk = two.vars.get('TALKTIME');
    this.after(this.agentDialplanDelayMs, () => {
      this.dialplanStep(two, 3, 'Wait', talk ?? '3600');
      this.emit({ type: 'ChannelCallerId', at: this.date(), apps: [...two.apps], channel: this.snap(two) });
    }, two);
    if (talk && Number(talk) > 0) this.after(Number(talk) * 1000, () => this.hangupFlow(two, { cause: CAUSE.NORMAL_CLEARING, fromTwo: true }), two);
  }

  /** Dialplan `Dial()` from a channel outside Stasis (the inbound fallback). */
  protected dialplanDial(caller: Channel, endpoint: string, timeoutSeconds: number): void {
    let ep;
    try {
      ep = this.parseEndpoint(endpoint);
    } catch {
      this.hangupFlow(caller, { cause: CAUSE.UNKNOWN });
      return;
    }
    const legs = this.allocate(ep, { caller: { ...caller.caller }, accountcode: caller.accountcode, origin: 'dialed-peer' });
    const peer = legs.one;
    peer.linkedid = caller.linkedid;
    if (legs.two) legs.two.linkedid = caller.linkedid;
    peer.dialStarted = true;
    this.alert(peer, {
      dialString: ep.resource,
      timeoutMs: timeoutSeconds * 1000,
      caller,
      onAnswered: () => {
        if (caller.gone) return;
        caller.partnerId = peer.id;
        peer.partnerId = caller.id;
        caller.destination = ep.exten;
        // The ;2 half of an originated Local channel: answering its Dial() answers the
        // originate too (Asterisk: OriginateResponse Success, Reason 4).
        const one = caller.localHalf === 2 && caller.localPeerId ? this.chans.get(caller.localPeerId) : undefined;
        if (one && !one.gone && one.onAnswer) {
          const go = one.onAnswer;
          one.onAnswer = undefined;
          caller.answeredAt = this.date();
          go('dialplan-bridged');
          return;
        }
        if (caller.state !== 'Up') {
          caller.answeredAt = this.date();
          this.setState(caller, 'Up');
        }
      },
      onFailed: () => {
        this.varSet(caller, 'DIALSTATUS', peer.dialStatus ?? 'NOANSWER');
        // The caller's hang-up cause is what Dial() met (a Local ;1 in front of it ends with it).
        const cause = peer.dialStatus === 'BUSY' ? CAUSE.USER_BUSY : peer.dialStatus === 'CHANUNAVAIL' ? CAUSE.SUBSCRIBER_ABSENT : CAUSE.NO_ANSWER;
        this.after(0, () => this.hangupFlow(caller, { cause }), caller);
      },
      finalDialEvent: true,
      timeoutHangup: 'plain',
    });
  }
}
