// Security headers, computed once at start-up and copied onto every reply.
//
// HTML (swagger-ui under /docs) gets helmet's full set. JSON API responses get the set
// OWASP's REST Security Cheat Sheet asks for (no framing, no sniffing, HSTS, no caching
// of responses that carry phone numbers): the rest of helmet's headers only mean
// something to a browser rendering a document, and every header is paid for on each
// response by both ends (measured in bench/api.ts).
//
// @fastify/helmet is not used: it rebuilds the helmet middleware, CSP parsing included,
// on every request, which alone cost more CPU than a whole hello-world request.
import helmet from 'helmet';

export interface SecurityHeaders {
  document: Record<string, string>;
  api: Record<string, string>;
}

function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader() {},
  };
  helmet({
    contentSecurityPolicy: {
      // /docs replaces this with swagger-ui's own policy (openapi.ts).
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], upgradeInsecureRequests: null },
    },
  })({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
  });
  if (!headers['content-security-policy']) throw new Error('helmet produced no headers');
  return headers;
}

export function securityHeaders(): SecurityHeaders {
  const document = helmetHeaders();
  return {
    document,
    api: {
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'strict-transport-security': document['strict-transport-security'] ?? 'max-age=31536000; includeSubDomains',
      'cache-control': 'no-store',
    },
  };
}
