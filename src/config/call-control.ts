// Click-to-dial and transfer settings: the dial policy's patterns and the named transfer destinations.
import { compilePattern, DEFAULT_DIAL_POLICY, type DialPolicy } from '../calls/dial-policy.js';
import { ConfigError } from './error.js';

export interface CallControlConfig {
  trunk: string;
  callerId: string | null;
  policy: DialPolicy;
  maxConcurrent: number;
  perMinute: number;
  mohClass: string;
  transferTimeoutSeconds: number;
  initiatorHangup: 'blind' | 'cancel';
  /** How long a failed transfer's transferring agent is rung back; 0: never. */
  recallSeconds: number;
  /** IVR transfer destinations by name: an extension or a number. */
  destinations: Record<string, string>;
}

export function parseDestinations(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('TRANSFER_DESTINATIONS is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('TRANSFER_DESTINATIONS must be a JSON object of name -> extension or number');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`TRANSFER_DESTINATIONS: invalid name ${JSON.stringify(name)}`);
    if (typeof value !== 'string' || !/^\+?[0-9]{2,20}$/.test(value)) {
      throw new ConfigError(`TRANSFER_DESTINATIONS.${name} must be an extension or a number (digits)`);
    }
    out[name] = value;
  }
  return out;
}

export function parseDialPolicy(allow: string | undefined, deny: string | undefined): DialPolicy {
  const list = (raw: string | undefined, name: string, fallback: readonly string[]): string[] => {
    if (raw === undefined || raw.trim() === '') return [...fallback];
    // `default` stands for the built-in list, so a site adds a pattern without restating it.
    const patterns = raw.split(',').map((p) => p.trim()).filter(Boolean).flatMap((p) => (p === 'default' ? [...fallback] : [p]));
    for (const p of patterns) {
      try {
        compilePattern(p);
      } catch (err) {
        throw new ConfigError(`${name}: ${(err as Error).message}`);
      }
    }
    return patterns;
  };
  return { allow: list(allow, 'CALLS_DIAL_ALLOW', DEFAULT_DIAL_POLICY.allow), deny: list(deny, 'CALLS_DIAL_DENY', DEFAULT_DIAL_POLICY.deny) };
}
