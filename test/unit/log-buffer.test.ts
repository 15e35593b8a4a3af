// Log lines gathered and written together: none lost, in order, and written before the
// process exits however it exits short of a kill.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferedLog } from '../../src/log-buffer.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'log-buffer-')), 'out.log');

describe('buffered log', () => {
  it('writes the gathered lines together, in order, once the moment has passed', async () => {
    const file = tempFile();
    const fd = openSync(file, 'w');
    try {
      const log = bufferedLog({ fd, flushMs: 20 });
      for (let i = 0; i < 100; i++) log.write(`line ${i}\n`);
      const expected = Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('');
      await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 10_000 }).toBe(expected);
    } finally {
      closeSync(fd);
    }
  });

  it('writes at once when told to wait 0 ms or when enough has gathered', () => {
    const file = tempFile();
    const fd = openSync(file, 'w');
    try {
      const now = bufferedLog({ fd, flushMs: 0 });
      now.write('a\n');
      expect(readFileSync(file, 'utf8')).toBe('a\n');
      const full = bufferedLog({ fd, flushMs: 60_000, maxBytes: 10 });
      full.write('12345\n');
      expect(readFileSync(file, 'utf8')).toBe('a\n');
      full.write('67890\n');
      expect(readFileSync(file, 'utf8')).toBe('a\n12345\n67890\n');
    } finally {
      closeSync(fd);
    }
  });

  it('writes what waits before the process exits, a fatal error included', () => {
    const file = tempFile();
    const script = `
      const { openSync } = require('node:fs');
      const { createServiceLogger } = require(${JSON.stringify(join(process.cwd(), 'src/log.ts'))});
      const log = createServiceLogger('info', 60_000, openSync(${JSON.stringify(file)}, 'w'));
      log.info({ callId: 'c1' }, 'last words');
      setImmediate(() => { throw new Error('boom'); });
    `;
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { stdio: 'pipe' })).toThrow();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { msg: string; callId: string });
    expect(lines).toMatchObject([{ msg: 'last words', callId: 'c1' }]);
  });
});
