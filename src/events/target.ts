// Outbound targets are URLs typed in by integrators and flow authors: without these
// checks a subscription or a flow could make cti-bridge call the cloud metadata service,
// the PBX's own ARI, this service's own API, or any other host inside the private
// network (server-side request forgery).
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { buildConnector } from 'undici';

export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
  /** The host did not resolve: maybe a passing DNS failure rather than a refused target. */
  constructor(message: string, readonly unresolved = false) {
    super(message);
  }
}

const RANGES: Array<[reason: string, family: 'ipv4' | 'ipv6', network: string, prefix: number]> = [
  ['unspecified address', 'ipv4', '0.0.0.0', 8],
  ['loopback address', 'ipv4', '127.0.0.0', 8],
  ['private address', 'ipv4', '10.0.0.0', 8],
  ['private address', 'ipv4', '172.16.0.0', 12],
  ['private address', 'ipv4', '192.168.0.0', 16],
  ['shared (carrier-grade NAT) address', 'ipv4', '100.64.0.0', 10],
  ['link-local address (cloud metadata)', 'ipv4', '169.254.0.0', 16],
  ['IETF protocol assignment', 'ipv4', '192.0.0.0', 24],
  ['documentation address', 'ipv4', '192.0.2.0', 24],
  ['documentation address', 'ipv4', '198.51.100.0', 24],
  ['documentation address', 'ipv4', '203.0.113.0', 24],
  ['benchmarking address', 'ipv4', '198.18.0.0', 15],
  ['6to4 relay anycast address', 'ipv4', '192.88.99.0', 24],
  ['multicast address', 'ipv4', '224.0.0.0', 4],
  ['reserved or broadcast address', 'ipv4', '240.0.0.0', 4],
  ['unspecified address', 'ipv6', '::', 128],
  ['loopback address', 'ipv6', '::1', 128],
  // ::a.b.c.d reaches a.b.c.d on stacks that still honour it; deprecated, never a real peer.
  ['IPv4-compatible address', 'ipv6', '::', 96],
  // The NAT64 gateway turns these into the IPv4 address they carry, private ones included.
  ['NAT64 address', 'ipv6', '64:ff9b::', 96],
  ['NAT64 (local-use) address', 'ipv6', '64:ff9b:1::', 48],
  ['discard-only address', 'ipv6', '100::', 64],
  ['Teredo address', 'ipv6', '2001::', 32],
  ['benchmarking address', 'ipv6', '2001:2::', 48],
  ['documentation address', 'ipv6', '2001:db8::', 32],
  ['6to4 address', 'ipv6', '2002::', 16],
  ['unique local (private) address', 'ipv6', 'fc00::', 7],
  ['link-local address', 'ipv6', 'fe80::', 10],
  ['site-local (private) address', 'ipv6', 'fec0::', 10],
  ['multicast address', 'ipv6', 'ff00::', 8],
];

const LISTS = (() => {
  const byReason = new Map<string, BlockList>();
  for (const [reason, family, network, prefix] of RANGES) {
    let list = byReason.get(reason);
    if (!list) byReason.set(reason, (list = new BlockList()));
    list.addSubnet(network, prefix, family);
  }
  return [...byReason];
})();

const MAPPED = new BlockList();
MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d, ::ffff:7f00:1) carries. */
function mappedIpv4(address: string): string | undefined {
  if (!MAPPED.check(address, 'ipv6')) return undefined;
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (dotted) return dotted;
  const groups = /:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!groups) return undefined;
  const hi = parseInt(groups[1]!, 16);
  const lo = parseInt(groups[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why an address may not be the target of an outbound request, or null when it is a public address. */
export function refusedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // IPv4-mapped IPv6 is checked as the IPv4 address it carries.
  const mapped = type === 'ipv6' ? mappedIpv4(address) : undefined;
  for (const [reason, list] of LISTS) {
    if (mapped ? list.check(mapped, 'ipv4') : list.check(address, type)) return reason;
  }
  return null;
}

/**
 * Who may be reached anyway: `allowHosts` names hosts (exact, case-insensitive, e.g. an
 * internal CRM), addresses or CIDR ranges (10.1.2.0/24) that an operator trusts.
 * Empty: public addresses only.
 */
export interface TargetPolicy {
  allowHosts: readonly string[];
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

interface AllowList {
  names: Set<string>;
  ranges: BlockList;
}

const compiled = new WeakMap<readonly string[], AllowList>();

/** Throws naming the entry that is neither a host name, an address nor a CIDR range. */
export function parseAllowHosts(raw: string): string[] {
  const entries = raw.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
  for (const e of entries) compileEntry(e, new Set(), new BlockList());
  return entries;
}

function compileEntry(entry: string, names: Set<string>, ranges: BlockList): void {
  const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
  const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (cidr) {
    const family = isIP(cidr[1]!);
    const prefix = Number(cidr[2]);
    if (family === 0 || prefix > (family === 4 ? 32 : 128)) throw new TargetRefusedError(`'${entry}' is not a CIDR range`);
    ranges.addSubnet(cidr[1]!, prefix, family === 4 ? 'ipv4' : 'ipv6');
  } else if (isIP(bare)) {
    ranges.addAddress(bare, isIP(bare) === 4 ? 'ipv4' : 'ipv6');
  } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
    names.add(entry);
  } else {
    throw new TargetRefusedError(`'${entry}' is not a host name, an address or a CIDR range`);
  }
}

function allowList(policy: TargetPolicy): AllowList {
  let list = compiled.get(policy.allowHosts);
  if (!list) {
    list = { names: new Set(), ranges: new BlockList() };
    for (const e of policy.allowHosts) compileEntry(e.toLowerCase(), list.names, list.ranges);
    compiled.set(policy.allowHosts, list);
  }
  return list;
}

/** Null when `address`, reached for `host`, may receive a request; else why not. */
export function refusedFor(host: string, address: string, policy: TargetPolicy): string | null {
  const reason = refusedAddressReason(address);
  if (reason === null || policy.allowHosts.length === 0) return reason;
  const list = allowList(policy);
  if (list.names.has(host.toLowerCase())) return null;
  const family = isIP(address);
  if (family !== 0 && list.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')) return null;
  return reason;
}

export function hostOf(url: URL): string {
  // URL keeps the brackets of IPv6 literals: [::1]
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Syntax only (no DNS): scheme, credentials, host. Throws TargetRefusedError. */
export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefusedError('url is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TargetRefusedError(`url scheme ${url.protocol.replace(':', '')} is not allowed: use http or https`);
  }
  if (url.username || url.password) throw new TargetRefusedError('url must not contain credentials');
  if (!url.hostname) throw new TargetRefusedError('url has no host');
  return url;
}

/**
 * The full check done when a target is configured (a subscription created, a connector
 * started): the URL is well formed and every address its host resolves to may be reached.
 */
export async function checkTarget(
  raw: string,
  policy: TargetPolicy,
  resolve: Resolver = systemResolver,
): Promise<{ url: URL; addresses: ResolvedAddress[] }> {
  const url = parseTargetUrl(raw);
  const host = hostOf(url);
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new TargetRefusedError(`host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`, true);
    }
    if (addresses.length === 0) throw new TargetRefusedError(`host ${host} does not resolve`, true);
  }
  for (const a of addresses) {
    const reason = refusedFor(host, a.address, policy);
    if (reason) throw new TargetRefusedError(`host ${host} resolves to ${a.address}, a ${reason}`);
  }
  return { url, addresses };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void;

function refusal(message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new TargetRefusedError(message);
  err.code = 'ETARGETREFUSED';
  return err;
}

/**
 * A `lookup` for net/tls connect options: the address the socket connects to is the one
 * that was checked, so a DNS answer that changes between check and connect cannot slip
 * a private address through. IP literals never reach lookup: guardedConnector checks them.
 */
export function guardedLookup(policy: TargetPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean; family?: number | string } | number, callback: LookupCallback) => {
    const all = typeof options === 'object' && options.all === true;
    resolve(hostname).then(
      (addresses) => {
        const family = typeof options === 'object' ? Number(String(options.family ?? 0).replace('IPv', '')) : options;
        const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`host ${hostname} does not resolve`);
          err.code = 'ENOTFOUND';
          callback(err, all ? [] : '', 0);
          return;
        }
        for (const a of usable) {
          const reason = refusedFor(hostname, a.address, policy);
          if (reason) {
            callback(refusal(`host ${hostname} resolves to ${a.address}, a ${reason}`), all ? [] : '', 0);
            return;
          }
        }
        if (all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, all ? [] : '', 0),
    );
  };
}

/**
 * undici's connect step with the guard in it: every outbound connection of the service
 * (webhooks, connectors, flows' CRM lookups) is made here, so an IP literal and a name are
 * checked at the moment the socket is opened, whoever built the request.
 */
export function guardedConnector(policy: TargetPolicy, timeoutMs: number, resolve: Resolver = systemResolver): buildConnector.connector {
  const connect = buildConnector({ timeout: timeoutMs, lookup: guardedLookup(policy, resolve) as never });
  return (options, callback) => {
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    if (isIP(host)) {
      const reason = refusedFor(host, host, policy);
      if (reason) {
        callback(refusal(`${host} is a ${reason}`), null);
        return;
      }
    }
    connect(options, callback);
  };
}
