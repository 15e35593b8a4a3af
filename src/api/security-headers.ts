// Helmet's security headers, computed once at start-up and copied onto every reply.
// (@fastify/helmet rebuilds the helmet middleware, CSP parsing included, on every
// request: that alone cost more CPU than a whole hello-world request in bench/api.ts.)
import helmet from 'helmet';

export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader() {},
  };
  helmet({
    contentSecurityPolicy: {
      // A JSON API loads nothing; /docs sets its own policy for swagger-ui (openapi.ts).
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], upgradeInsecureRequests: null },
    },
  })({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
  });
  if (!headers['content-security-policy']) throw new Error('helmet produced no headers');
  return headers;
}
