import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../src/config.js';

const base = { AMI_SECRET: 'ami-s3cret', ARI_PASSWORD: 'ari-s3cret' };

describe('config', () => {
  it('builds one node from the AMI_/ARI_ variables with defaults', () => {
    const c = loadConfig(base);
    expect(c.pbxNodes).toHaveLength(1);
    expect(c.pbxNodes[0]?.ami).toMatchObject({ host: '127.0.0.1', port: 5038, secret: 'ami-s3cret' });
    expect(c.pbxNodes[0]?.ari.app).toBe('cti-bridge');
    expect(c.port).toBe(8080);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ ...base, PORT: 'eighty' })).toThrow(/PORT must be integer/);
    expect(() => loadConfig({ ...base, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ARI_PASSWORD: 'x' })).toThrow(/AMI_SECRET is required/);
    expect(() => loadConfig({ ...base, LOG_LEVEL: 'loud' })).toThrow(ConfigError);
  });

  it('reads retention per kind with safe defaults and refuses a combination that breaks a promise', () => {
    const c = loadConfig({ ...base, RETENTION_JOURNAL_DAYS: '120', RETENTION_CDRS_DAYS: '0', RETENTION_CALLS_DAYS: '0' });
    expect(c.retention.days).toMatchObject({ journal: 120, cdrs: 0, calls: 0, deadLetters: 60, callEvents: 90 });
    expect(c.retention.aheadDays).toBe(7);
    expect(() => loadConfig({ ...base, RETENTION_DEAD_LETTERS_DAYS: '200' })).toThrow(/RETENTION_DEAD_LETTERS_DAYS must not exceed RETENTION_JOURNAL_DAYS/);
    expect(() => loadConfig({ ...base, RETENTION_CALLS_DAYS: '30' })).toThrow(/RETENTION_CALLS_DAYS/);
    expect(() => loadConfig({ ...base, RETENTION_JOURNAL_DAYS: '-1' })).toThrow(/RETENTION_JOURNAL_DAYS/);
  });

  it('reads several PBX nodes and names the bad field of a bad one', () => {
    const node = (id: string) => ({
      id,
      ami: { host: 'h', port: 5038, user: 'u', secret: 's' },
      ari: { url: 'http://h:8088/ari', user: 'u', password: 'p', app: 'cti-bridge' },
    });
    const c = loadConfig({ PBX_NODES: JSON.stringify([node('a'), node('b')]) });
    expect(c.pbxNodes.map((n) => n.id)).toEqual(['a', 'b']);
    const bad = { ...node('c'), ami: { host: 'h', port: 5038, user: 'u' } };
    expect(() => loadConfig({ PBX_NODES: JSON.stringify([node('a'), bad]) })).toThrow(/PBX_NODES\[1\].*secret/);
    expect(() => loadConfig({ PBX_NODES: JSON.stringify([node('a'), node('a')]) })).toThrow(/unique/);
    expect(() => loadConfig({ PBX_NODES: '{nope' })).toThrow(/not valid JSON/);
  });

  it('never lets a secret through redaction', () => {
    const c = loadConfig({
      ...base,
      DATABASE_URL: 'postgres://app:dbpass@db/cti',
      REDIS_URL: 'redis://:rpass@r:6379',
      STREAM_TOKEN_SECRET: 'stream-token-secret-0123456789abcdef',
      IVR_SECRETS: JSON.stringify({ 'crm-token': { value: 'Bearer crm-s3cret', hosts: ['crm.example.com'] } }),
    });
    const text = JSON.stringify(redactConfig(c));
    for (const secret of ['ami-s3cret', 'ari-s3cret', 'dbpass', 'rpass', 'stream-token-secret', 'crm-s3cret']) expect(text).not.toContain(secret);
    // The names stay visible so an operator can see which secrets are configured.
    expect(text).toContain('crm-token');
  });

  it('reads the IVR lookup secrets by name and refuses malformed ones without echoing them', () => {
    expect(loadConfig(base).ivr).toEqual({ secrets: {}, sorryMedia: 'sound:an-error-has-occurred', promptMaxSeconds: 60 });
    const c = loadConfig({
      ...base,
      IVR_SECRETS: '{"crm-token":{"value":"Bearer abc","hosts":["CRM.example.com"]},"erp.key":{"value":"k1","hosts":["erp.example.com:8443","[2001:db8::5]"]}}',
      IVR_SORRY_MEDIA: 'sound:custom/sorry',
      IVR_PROMPT_MAX_SECONDS: '180',
    });
    expect(c.ivr).toEqual({
      secrets: { 'crm-token': { value: 'Bearer abc', hosts: ['crm.example.com'] }, 'erp.key': { value: 'k1', hosts: ['erp.example.com:8443', '[2001:db8::5]'] } },
      sorryMedia: 'sound:custom/sorry',
      promptMaxSeconds: 180,
    });
    const bad = (value: string) => {
      try {
        loadConfig({ ...base, IVR_SECRETS: value });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).not.toContain('hunter2');
        return (err as Error).message;
      }
      throw new Error(`IVR_SECRETS ${value} was accepted`);
    };
    expect(bad('{"crm": hunter2}')).toMatch(/IVR_SECRETS is not valid JSON/);
    expect(bad('["hunter2"]')).toMatch(/JSON object/);
    expect(bad('{"crm": 42}')).toMatch(/IVR_SECRETS\.crm must be/);
    expect(bad('{"crm": {"value": "hunter2\\r\\nX-Evil: 1", "hosts": ["crm.example.com"]}}')).toMatch(/single-line/);
    // A secret that names no host could be sent anywhere a flow points.
    expect(bad('{"crm": "hunter2"}')).toMatch(/IVR_SECRETS\.crm must be/);
    expect(bad('{"crm": {"value": "hunter2"}}')).toMatch(/IVR_SECRETS\.crm\.hosts must list/);
    expect(bad('{"crm": {"value": "hunter2", "hosts": ["http://crm/"]}}')).toMatch(/IVR_SECRETS\.crm\.hosts must list/);
    expect(bad('{"bad name": "hunter2"}')).toMatch(/invalid secret name/);
    expect(() => loadConfig({ ...base, IVR_SORRY_MEDIA: 'no-scheme' })).toThrow(/IVR_SORRY_MEDIA/);
  });

  it('keeps call details in memory unless CALL_CACHE=false', () => {
    expect(loadConfig(base).callCache).toBe(true);
    expect(loadConfig({ ...base, CALL_CACHE: 'false' }).callCache).toBe(false);
    expect(() => loadConfig({ ...base, CALL_CACHE: 'sometimes' })).toThrow(/CALL_CACHE/);
  });

  it('reads the outbound allow-list and refuses the old all-or-nothing switch', () => {
    expect(loadConfig(base).outbound).toEqual({ allowHosts: [] });
    expect(loadConfig({ ...base, OUTBOUND_ALLOW_HOSTS: 'crm.internal, 10.1.0.0/16' }).outbound).toEqual({ allowHosts: ['crm.internal', '10.1.0.0/16'] });
    expect(() => loadConfig({ ...base, OUTBOUND_ALLOW_HOSTS: 'crm.internal,10.0.0.0/99' })).toThrow(/OUTBOUND_ALLOW_HOSTS: '10\.0\.0\.0\/99' is not a CIDR range/);
    expect(() => loadConfig({ ...base, WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(/WEBHOOK_ALLOW_PRIVATE is replaced by OUTBOUND_ALLOW_HOSTS/);
  });

  it('refuses to start with a shipped placeholder secret unless a demo allows it, naming the variables only', () => {
    const placeholders = { ...base, AMI_SECRET: 'CHANGE-ME-ami-secret', DATABASE_URL: 'postgres://cti:CHANGE-ME-db-password@db/cti' };
    expect(() => loadConfig(placeholders)).toThrow(/^AMI_SECRET, DATABASE_URL still hold a CHANGE-ME placeholder/);
    try {
      loadConfig(placeholders);
    } catch (err) {
      expect((err as Error).message).not.toContain('db-password');
    }
    expect(() => loadConfig({ ...base, IVR_SECRETS: JSON.stringify({ crm: { value: 'change-me-later', hosts: ['crm.example.com'] } }) })).toThrow(/IVR_SECRETS still holds/);
    expect(loadConfig({ ...placeholders, ALLOW_PLACEHOLDER_SECRETS: 'true' }).pbxNodes[0]?.ami.secret).toBe('CHANGE-ME-ami-secret');
  });
});
