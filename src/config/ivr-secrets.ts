// The secrets IVR flows may send to a lookup, each bound to the hosts it may reach.
import { ConfigError } from './error.js';

/** A lookup secret and the hosts it may be sent to (a flow naming it for another host is refused). */
export interface IvrSecret {
  value: string;
  hosts: string[];
}

const SECRET_HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/;

export function parseIvrSecrets(raw: string | undefined): Record<string, IvrSecret> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Never echo the value: it is full of secrets.
    throw new ConfigError('IVR_SECRETS is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('IVR_SECRETS must be a JSON object of secret name -> {"value": ..., "hosts": [...]}');
  }
  const secrets: Record<string, IvrSecret> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ConfigError(`IVR_SECRETS: invalid secret name ${JSON.stringify(name)}`);
    const { value, hosts } = (typeof entry === 'object' && entry !== null ? entry : {}) as { value?: unknown; hosts?: unknown };
    if (typeof value !== 'string' || value === '' || /[\r\n\0]/.test(value)) {
      throw new ConfigError(`IVR_SECRETS.${name} must be {"value": "<a non-empty single-line string>", "hosts": ["crm.example.com"]}`);
    }
    if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => typeof h === 'string' && SECRET_HOST.test(h.toLowerCase()))) {
      throw new ConfigError(`IVR_SECRETS.${name}.hosts must list the hosts (host or host:port) this secret may be sent to`);
    }
    secrets[name] = { value, hosts: hosts.map((h: string) => h.toLowerCase()) };
  }
  return secrets;
}
