// Where outbound requests may go: the private hosts allowed, and the business connectors.
import { parseConnectors, type ConnectorConfig } from '../events/connectors/config.js';
import { parseAllowHosts, type TargetPolicy } from '../events/target.js';
import { ConfigError } from './error.js';

/** The variables the outbound policy is read from. */
export interface OutboundVars {
  OUTBOUND_ALLOW_HOSTS: string;
  WEBHOOK_ALLOW_PRIVATE?: string;
}

export function parseOutbound(env: OutboundVars): TargetPolicy {
  if (env.WEBHOOK_ALLOW_PRIVATE !== undefined) {
    throw new ConfigError('WEBHOOK_ALLOW_PRIVATE is replaced by OUTBOUND_ALLOW_HOSTS: list the private hosts, addresses or CIDR ranges to allow');
  }
  try {
    return { allowHosts: parseAllowHosts(env.OUTBOUND_ALLOW_HOSTS) };
  } catch (err) {
    throw new ConfigError(`OUTBOUND_ALLOW_HOSTS: ${(err as Error).message}`);
  }
}

export function parseConnectorsVar(raw: string | undefined): ConnectorConfig[] {
  try {
    return parseConnectors(raw);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}
