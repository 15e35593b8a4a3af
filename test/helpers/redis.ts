// Tests share the machine's Redis; each file works under its own key prefix.
import { randomBytes } from 'node:crypto';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(label = 't'): string {
  return `cti-test-${label}-${randomBytes(4).toString('hex')}`;
}
