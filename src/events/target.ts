// Webhook targets are URLs typed in by integrators: without these checks a subscription
// could make cti-bridge POST to the cloud metadata service, the PBX's own ARI, or any
// other host inside the private network (server-side request forgery).
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
}

const RANGES: Array<[reason: string, family: 'ipv4' | 'ipv6', network: string, prefix: number]> = [
  ['unspecified address', 'ipv4', '0.0.0.0', 8],
  ['loopback address', 'ipv4', '127.0.0.0', 8],
  ['private address', 'ipv4', '10.0.0.0', 8],
  ['private address', 'ipv4', '172.16.0.0', 12],
  ['private address', 'ipv4', '192.168.0.0', 16],
  ['shared (carrier-grade NAT) address', 'ipv4', '100.64.0.0', 10],
  ['link-local address (cloud metadata)', 'ipv4', '169.254.0.0', 16],
  ['multicast address', 'ipv4', '224.0.0.0', 4],
  ['reserved or broadcast address', 'ipv4', '240.0.0.0', 4],
  ['unspecified address', 'ipv6', '::', 128],
  ['loopback address', 'ipv6', '::1', 128],
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

/** Why an address may not receive webhooks, or null when it is a public address. */
export function refusedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it carries.
  const mapped = type === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  for (const [reason, list] of LISTS) {
    if (mapped ? list.check(mapped, 'ipv4') : list.check(address, type)) return reason;
  }
  return null;
}

export interface TargetPolicy {
  allowPrivate: boolean;
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

function hostOf(url: URL): string {
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
 * The full check done when a subscription is created: the URL is well formed and every
 * address its host resolves to is public (unless private targets are allowed).
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
      throw new TargetRefusedError(`host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (addresses.length === 0) throw new TargetRefusedError(`host ${host} does not resolve`);
  }
  if (!policy.allowPrivate) {
    for (const a of addresses) {
      const reason = refusedAddressReason(a.address);
      if (reason) throw new TargetRefusedError(`host ${host} resolves to ${a.address}, a ${reason}`);
    }
  }
  return { url, addresses };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connect options: the address the socket connects to is the one
 * that was checked, so a DNS answer that changes between check and connect cannot slip
 * a private address through. IP literals never reach lookup; check them with checkTarget.
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
        if (!policy.allowPrivate) {
          for (const a of usable) {
            const reason = refusedAddressReason(a.address);
            if (reason) {
              const err: NodeJS.ErrnoException = new TargetRefusedError(`host ${hostname} resolves to ${a.address}, a ${reason}`);
              err.code = 'ETARGETREFUSED';
              callback(err, all ? [] : '', 0);
              return;
            }
          }
        }
        if (all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, all ? [] : '', 0),
    );
  };
}
