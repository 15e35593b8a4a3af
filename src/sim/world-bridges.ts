// Bridges of the simulated PBX: mixing and holding bridges, who is in them, and the
// music a holding bridge plays.
import { randomUUID } from 'node:crypto';
import { MSG, WorldError } from './world-errors.js';
import type { BridgeSnapshot, BridgeType } from './world-types.js';
import { type Bridge, type Channel, BRIDGE_TYPE_TOKENS, bridgeApps, unionApps } from './world-model.js';
import { WorldHangup } from './world-hangup.js';

export abstract class WorldBridges extends WorldHangup {
  createBridge(o: { type?: string; name?: string; bridgeId?: string } = {}): BridgeSnapshot {
    const tokens = (o.type ?? 'mixing').split(',').map((t) => t.trim()).filter(Boolean);
    const valid = tokens.length > 0 && tokens.every((t) => BRIDGE_TYPE_TOKENS.has(t));
    if (!valid) throw new WorldError('internal-error', `Unable to create bridge. Possible duplicate bridge id '${o.bridgeId ?? '(null)'}'`);
    if (o.bridgeId && this.bridgeMap.has(o.bridgeId)) throw new WorldError('internal-error', `Unable to create bridge. Possible duplicate bridge id '${o.bridgeId}'`);
    const type: BridgeType = tokens.includes('holding') ? 'holding' : 'mixing';
    const b: Bridge = {
      id: o.bridgeId || randomUUID(),
      name: o.name ?? '',
      type,
      technology: type === 'holding' ? 'holding_bridge' : 'simple_bridge',
      bridgeClass: 'stasis',
      creator: 'Stasis',
      members: [],
      pseudo: [],
      subs: new Map(),
      creationtime: this.date(),
    };
    this.bridgeMap.set(b.id, b);
    this.emit({ type: 'BridgeCreated', at: this.date(), apps: [], bridge: this.bridgeSnap(b) });
    return this.bridgeSnap(b);
  }

  destroyBridge(bridgeId: string): void {
    const b = this.mustBridge(bridgeId);
    for (const id of [...b.members]) {
      const c = this.chans.get(id);
      if (c) this.leaveBridge(c);
    }
    this.player.endAllOn({ kind: 'bridge', id: b.id }, 'done');
    this.recorder.endAllOn({ kind: 'bridge', id: b.id });
    this.bridgeMap.delete(b.id);
    this.emit({ type: 'BridgeDestroyed', at: this.date(), apps: bridgeApps(b), bridge: this.bridgeSnap(b) });
  }

  addToBridge(bridgeId: string, channelIds: string[], role?: string): void {
    const b = this.mustBridge(bridgeId);
    const chans = channelIds.map((id) => {
      const c = this.chans.get(id);
      if (!c) throw new WorldError('bad-request', MSG.channelNotFound);
      return c;
    });
    for (const c of chans) if (!c.stasis) throw new WorldError('unprocessable', MSG.notInStasis);
    const entered: Channel[] = [];
    for (const c of chans) {
      if (c.bridgeId === b.id) continue;
      if (c.bridgeId) this.leaveBridge(c);
      b.members.push(c.id);
      c.bridgeId = b.id;
      if (c.stasis) b.subs.set(c.stasis.app, (b.subs.get(c.stasis.app) ?? 0) + 1);
      entered.push(c);
      this.emit({ type: 'BridgeEntered', at: this.date(), apps: unionApps(c, undefined, b), bridge: this.bridgeSnap(b), channel: this.snap(c), role });
      if (b.type === 'holding' && b.mohClass) this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: b.mohClass });
    }
    if (entered.length === 0 || b.type !== 'mixing') return;
    this.refreshBridgePeers(b);
    const real = b.members.map((id) => this.chans.get(id)).filter((c): c is Channel => !!c);
    if (real.length === 2) {
      const [a, z] = real as [Channel, Channel];
      const order = entered.length === 2 ? [z, a] : entered[0] === z ? [z, a] : [a, z];
      for (const c of order) {
        const other = c === a ? z : a;
        if (c.connected.name === other.caller.name && c.connected.number === other.caller.number) continue;
        c.connected = { ...other.caller };
        this.emit({ type: 'ChannelConnectedLine', at: this.date(), apps: [...c.apps], channel: this.snap(c) });
      }
    }
  }

  removeFromBridge(bridgeId: string, channelId: string): void {
    const b = this.mustBridge(bridgeId);
    const c = this.chans.get(channelId);
    if (!c) throw new WorldError('bad-request', MSG.channelNotFound);
    if (c.bridgeId !== b.id) throw new WorldError('unprocessable', MSG.notInThisBridge);
    this.leaveBridge(c);
    if (c.stasis) {
      const n = (b.subs.get(c.stasis.app) ?? 0) - 1;
      if (n > 0) b.subs.set(c.stasis.app, n);
      else b.subs.delete(c.stasis.app);
    }
  }

  startBridgeMoh(bridgeId: string, mohClass = 'default'): void {
    const b = this.mustBridge(bridgeId);
    b.mohClass = mohClass || 'default';
    if (b.type === 'mixing') {
      if (!b.announcer) {
        b.announcer = `Announcer/ARI_MOH-${this.nextUnrealHex()};2`;
        b.pseudo.push(b.announcer);
        this.refreshBridgePeers(b);
      }
      return;
    }
    for (const id of b.members) {
      const c = this.chans.get(id);
      if (c) this.emit({ type: 'MusicOnHoldStarted', at: this.date(), apps: [], channel: this.snap(c), mohClass: b.mohClass });
    }
  }

  stopBridgeMoh(bridgeId: string): void {
    const b = this.mustBridge(bridgeId);
    const had = b.mohClass;
    b.mohClass = undefined;
    if (b.type === 'mixing') {
      if (b.announcer) {
        b.pseudo = b.pseudo.filter((p) => p !== b.announcer);
        b.announcer = undefined;
        this.refreshBridgePeers(b);
      }
      return;
    }
    if (had) {
      for (const id of b.members) {
        const c = this.chans.get(id);
        if (c) this.emit({ type: 'MusicOnHoldStopped', at: this.date(), apps: [], channel: this.snap(c) });
      }
    }
  }
}
