// Signed claims: base64url JSON and an HMAC over it, for stream tokens, wallboard links and
// the agent panel's links and sessions. A forged or altered token is refused without a
// database read.
import { createHmac, timingSafeEqual } from 'node:crypto';

export class Signer {
  private readonly secret: Buffer;

  /**
   * `purpose` keeps each kind of token from passing as another made with the same secret;
   * without one the secret is the key itself (stream tokens, whose format predates purposes).
   */
  constructor(secret: string | Buffer, purpose?: string, private readonly maxLength = 600) {
    this.secret = purpose === undefined ? Buffer.from(secret) : createHmac('sha256', secret).update(purpose).digest();
  }

  sign(claims: object): string {
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a well-signed token, or null. Expiry and shape are the caller's to check. */
  read(token: string): Record<string, unknown> | null {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > this.maxLength) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const v: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
