// The assembled simulator as a network peer: all three listeners, HTTP details that the
// captures (all `Connection: close`) do not show, and a few ARI behaviours beyond them.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const AUTH = `Basic ${Buffer.from('cti:cti-secret').toString('base64')}`;

function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(text));
    let out = '';
    sock.on('data', (d) => {
      out += d.toString('latin1');
      const end = out.indexOf('\r\n\r\n');
      const len = /Content-Length: (\d+)/i.exec(out);
      if (end >= 0 && len && out.length >= end + 4 + Number(len[1])) {
        sock.destroy();
        resolve(out);
      }
    });
    sock.on('error', reject);
  });
}

describe('simulator listeners', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ speed: 50 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('listens for AMI, ARI and control on ephemeral ports', async () => {
    expect(sim.ami).toBeDefined();
    expect(sim.ari.url).toBe(`http://127.0.0.1:${sim.ari.port}/ari`);
    const banner = await new Promise<string>((resolve, reject) => {
      const s = net.connect(sim.ami!.port, sim.ami!.host);
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString('latin1'));
      });
      s.once('error', reject);
    });
    expect(banner).toBe('Asterisk Call Manager/11.0.0\r\n');
    const state = await fetch(`${sim.control.url}/state`);
    expect(state.status).toBe(200);
  });

  it('keeps HTTP/1.1 connections alive without sending a Connection header', async () => {
    const res = await rawExchange(sim.ari.port, `GET /ari/asterisk/ping HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\n\r\n`);
    const headers = res.slice(0, res.indexOf('\r\n\r\n')).split('\r\n').slice(1).map((l) => l.split(':')[0]);
    expect(headers).toEqual(['Server', 'Date', 'Cache-Control', 'Content-type', 'Content-Length']);
  });

  it('accepts api_key in the query as well as Basic auth, and refuses wrong credentials', async () => {
    expect((await fetch(`${sim.ari.url}/asterisk/ping?api_key=cti:cti-secret`)).status).toBe(200);
    const bad = await fetch(`${sim.ari.url}/asterisk/ping?api_key=cti:nope`);
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toBe('Basic realm="Asterisk REST Interface"');
    const ws = new WebSocket(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=x`, { headers: { authorization: 'Basic bm86bm8=' } });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('runs continue into the dialplan, move between apps, and a PJSIP redirect', async () => {
    const events: Record<string, any>[] = [];
    const open = (app: string) =>
      new Promise<WebSocket>((resolve) => {
        const ws = new WebSocket(`${sim.ari.url.replace(/^http/, 'ws')}/events?app=${app}`, { headers: { authorization: AUTH } });
        ws.on('message', (d) => events.push(JSON.parse(String(d)) as Record<string, any>));
        ws.once('open', () => resolve(ws));
      });
    const a = await open('cti-bridge');
    const b = await open('other-app');
    const call = async () => {
      const res = await fetch(`${sim.control.url}/calls`, { method: 'POST', body: JSON.stringify({ from: '+1555', to: '100' }) });
      return ((await res.json()) as { channelId: string }).channelId;
    };
    const post = (path: string) => fetch(`${sim.ari.url}${path}`, { method: 'POST', headers: { authorization: AUTH } });
    const waitFor = async (pred: (e: Record<string, any>) => boolean) => {
      for (let i = 0; i < 2000 && !events.some(pred); i++) await new Promise((r) => setTimeout(r, 5));
      return events.find(pred);
    };

    const moved = await call();
    expect((await post(`/channels/${moved}/move?app=other-app&appArgs=x,y`)).status).toBe(204);
    const start = await waitFor((e) => e.type === 'StasisStart' && e.application === 'other-app' && e.channel.id === moved);
    expect(start?.args).toEqual(['x', 'y']);
    expect(events.some((e) => e.type === 'StasisEnd' && e.application === 'cti-bridge' && e.channel.id === moved)).toBe(true);

    const continued = await call();
    await post(`/channels/${continued}/answer`);
    expect((await post(`/channels/${continued}/continue`)).status).toBe(204);
    expect(await waitFor((e) => e.type === 'StasisEnd' && e.channel.id === continued)).toBeDefined();
    for (let i = 0; i < 2000 && sim.world.channel(continued); i++) await new Promise((r) => setTimeout(r, 5));
    expect(sim.world.channel(continued)).toBeUndefined();

    const redirected = await call();
    const mismatch = await post(`/channels/${redirected}/redirect?endpoint=Local/1002@agents`);
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toEqual({ message: "Endpoint technology 'Local' does not match channel technology 'PJSIP'" });
    expect((await post(`/channels/${redirected}/redirect?endpoint=PJSIP/1002`)).status).toBe(204);
    expect(await waitFor((e) => e.type === 'StasisEnd' && e.channel.id === redirected)).toBeDefined();
    a.close();
    b.close();
  });
});
