// One typed, validated configuration read from the environment at start-up.
// A missing or malformed variable stops the service with a message naming it.
import { availableParallelism } from 'node:os';
import envSchema from 'env-schema';
import { Type, type Static } from 'typebox';
import { redactConnector, type ConnectorConfig } from './events/connectors/config.js';
import { DEFAULT_RETENTION_DAYS as KEEP, retentionProblems, type RetentionDays } from './retention/rules.js';
import type { TargetPolicy } from './events/target.js';
import type { FaxConfig, FaxDemandConfig, FraudConfig, VoicemailConfig } from './config/areas.js';
import { parseDestinations, parseDialPolicy, type CallControlConfig } from './config/call-control.js';
import { ConfigError } from './config/error.js';
import { parseIvrSecrets, type IvrSecret } from './config/ivr-secrets.js';
import { parseConnectorsVar, parseOutbound } from './config/outbound.js';
import { parsePbxNodes, type PbxNodeConfig } from './config/pbx-nodes.js';
import { parseTracing, type TracingConfig } from './config/tracing.js';

export type { ConversionLimits, FaxConfig, FaxDemandConfig, FraudConfig, VoicemailConfig } from './config/areas.js';
export type { CallControlConfig } from './config/call-control.js';
export { ConfigError } from './config/error.js';
export type { IvrSecret } from './config/ivr-secrets.js';
export type { PbxNodeConfig } from './config/pbx-nodes.js';
export type { TracingConfig } from './config/tracing.js';

const EnvSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'production' }),
  HOST: Type.String({ default: '127.0.0.1' }),
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  // Log lines are written together at most this often (0: each line at once).
  LOG_FLUSH_MS: Type.Integer({ default: 200, minimum: 0, maximum: 10_000 }),
  INSTANCE_ID: Type.Optional(Type.String({ minLength: 1 })),
  // Unset means: the demo starts embedded PGlite; the service itself refuses to start.
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1 }),
  // Off for databases that share one session across connections (the demo's PGlite).
  DATABASE_NAMED_STATEMENTS: Type.Boolean({ default: true }),
  // In-memory call details, invalidated by Postgres LISTEN/NOTIFY. Off for databases that
  // do not deliver notifications between connections (the demo's PGlite).
  CALL_CACHE: Type.Boolean({ default: true }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379', pattern: '^rediss?://' }),
  REDIS_PREFIX: Type.String({ default: 'cti', pattern: '^[A-Za-z0-9_-]+$' }),
  // Several PBX nodes as a JSON array; or one node through the AMI_* / ARI_* variables.
  PBX_NODES: Type.Optional(Type.String()),
  PBX_ID: Type.String({ default: 'pbx1', pattern: '^[A-Za-z0-9_-]+$' }),
  AMI_HOST: Type.String({ default: '127.0.0.1' }),
  AMI_PORT: Type.Integer({ default: 5038, minimum: 1, maximum: 65535 }),
  AMI_USER: Type.String({ default: 'cti' }),
  AMI_SECRET: Type.Optional(Type.String()),
  ARI_URL: Type.String({ default: 'http://127.0.0.1:8088/ari', pattern: '^https?://' }),
  ARI_USER: Type.String({ default: 'cti' }),
  ARI_PASSWORD: Type.Optional(Type.String()),
  ARI_APP: Type.String({ default: 'cti-bridge', pattern: '^[A-Za-z0-9_.-]+$' }),
  GREETING_MEDIA: Type.String({ default: 'sound:hello-world' }),
  // Header values for IVR CRM lookups, by name, each with the hosts it may be sent to:
  // {"crm-token":{"value":"Bearer ...","hosts":["crm.example.com"]}}. Flows name a secret, never hold it.
  IVR_SECRETS: Type.Optional(Type.String()),
  // What a caller hears before the line is closed when a flow cannot go on.
  IVR_SORRY_MEDIA: Type.String({ default: 'sound:an-error-has-occurred', pattern: '^[a-z]+:.+' }),
  // The longest an IVR prompt of unknown length may go without ending before it is stopped
  // and the flow goes on (a prompt the PBX never finishes must not hold a caller in silence).
  IVR_PROMPT_MAX_SECONDS: Type.Integer({ default: 60, minimum: 1, maximum: 3600 }),
  // Call control: outside numbers leave through this PJSIP trunk (PJSIP/<number>@<trunk>).
  CALLS_TRUNK: Type.String({ default: 'trunk', pattern: '^[A-Za-z0-9_.-]+$' }),
  // Caller id shown to the dialled party when the API key's policy sets none; empty: the PBX's.
  CALLS_CALLER_ID: Type.String({ default: '', pattern: '^\\+?[0-9]{0,20}$' }),
  // Dial allow/deny patterns for keys without their own policy (comma-separated, dialplan notation).
  CALLS_DIAL_ALLOW: Type.Optional(Type.String()),
  CALLS_DIAL_DENY: Type.Optional(Type.String()),
  CALLS_MAX_CONCURRENT: Type.Integer({ default: 10, minimum: 1 }),
  CALLS_PER_MINUTE: Type.Integer({ default: 30, minimum: 1 }),
  CALLS_MOH_CLASS: Type.String({ default: 'default', pattern: '^[A-Za-z0-9_-]+$' }),
  // Where an IVR transfer node's named destination goes: {"operator":"1001","billing":"0301234567"}.
  TRANSFER_DESTINATIONS: Type.Optional(Type.String()),
  TRANSFER_TIMEOUT_SECONDS: Type.Integer({ default: 20, minimum: 1, maximum: 600 }),
  // The initiator hangs up while the target rings: go on as a blind transfer, or cancel it.
  TRANSFER_INITIATOR_HANGUP: Type.Union([Type.Literal('blind'), Type.Literal('cancel')], { default: 'blind' }),
  // A failed transfer's caller that no queue takes back: how long the transferring agent's
  // phone rings again before the call ends (0: it ends at once).
  TRANSFER_RECALL_SECONDS: Type.Integer({ default: 20, minimum: 0, maximum: 600 }),
  // Hosts, addresses or CIDR ranges that webhooks, connectors and flows' CRM lookups may
  // reach although private, loopback or otherwise reserved (comma-separated); empty: public only.
  OUTBOUND_ALLOW_HOSTS: Type.String({ default: '' }),
  // Replaced by OUTBOUND_ALLOW_HOSTS; still set, the service refuses to start rather than
  // silently refuse the private receivers it was meant to allow.
  WEBHOOK_ALLOW_PRIVATE: Type.Optional(Type.String()),
  // Secrets that still read CHANGE-ME-… are refused at start unless this is set (demos only).
  ALLOW_PLACEHOLDER_SECRETS: Type.Boolean({ default: false }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ default: 8, minimum: 1, maximum: 50 }),
  // Business connectors (CRM, logistics) as a JSON array; see docs/events.md.
  CONNECTORS: Type.Optional(Type.String()),
  // Standard Webhooks secret (whsec_...) the logistics partner signs its updates with.
  LOGISTICS_INBOUND_SECRET: Type.Optional(Type.String({ minLength: 8 })),
  LEASE_TTL_MS: Type.Integer({ default: 10_000, minimum: 1_000 }),
  // How long a command forwarded to the instance owning a PBX node may take to be answered.
  COMMAND_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 600, minimum: 1 }),
  // Failed authentications per client address and minute before it gets 429 for the rest of the minute.
  AUTH_FAILURES_PER_MINUTE: Type.Integer({ default: 30, minimum: 1 }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 1_048_576, minimum: 1024 }),
  // OpenTelemetry traces, off unless one of the two endpoints is set: the base URL of an
  // OTLP/HTTP collector (the traces go to <base>/v1/traces) or the traces URL itself.
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  // Headers for the collector (key=value,key2=value2, values URL-encoded), e.g. its API key.
  OTEL_EXPORTER_OTLP_HEADERS: Type.Optional(Type.String()),
  OTEL_SERVICE_NAME: Type.String({ default: 'cti-bridge', minLength: 1 }),
  // Share of new traces recorded; a trace continued from a traceparent follows its sampled flag.
  OTEL_TRACES_SAMPLER_ARG: Type.Number({ default: 1, minimum: 0, maximum: 1 }),
  // Signs the short-lived WebSocket stream tokens; instances behind one load balancer share it.
  STREAM_TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  // The centre's zone: where "today" starts for live queue statistics.
  REPORTS_TIME_ZONE: Type.String({ default: 'UTC', minLength: 1 }),
  // How often live queue.stats events may be emitted (cluster-wide); 0 turns them off.
  QUEUE_STATS_INTERVAL_MS: Type.Integer({ default: 10_000, minimum: 0 }),
  // How often wallboards read the ACD's live state and the definitions again, to mend a lost event.
  WALLBOARD_REFRESH_MS: Type.Integer({ default: 30_000, minimum: 1_000 }),
  // Campaign preview tasks: how long an agent has to accept, how often due contacts are looked for.
  CAMPAIGN_OFFER_SECONDS: Type.Integer({ default: 30, minimum: 1, maximum: 600 }),
  CAMPAIGN_DISPATCH_INTERVAL_MS: Type.Integer({ default: 5_000, minimum: 100 }),
  VOICEMAIL_GREETING_MEDIA: Type.String({ default: 'sound:vm-intro', pattern: '^[a-z]+:.+' }),
  VOICEMAIL_GOODBYE_MEDIA: Type.String({ default: 'sound:vm-goodbye', pattern: '^[a-z]+:.+' }),
  VOICEMAIL_MIN_SECONDS: Type.Integer({ default: 2, minimum: 0 }),
  VOICEMAIL_MAX_SILENCE_SECONDS: Type.Integer({ default: 10, minimum: 0 }),
  // Mailboxes are published to the PBX as <id>@<context> for message-waiting lamps.
  VOICEMAIL_MWI_CONTEXT: Type.String({ default: 'cti-bridge', pattern: '^[A-Za-z0-9_.-]+$' }),
  // The phone a mailbox owner records a greeting on: {number} is a checked extension.
  VOICEMAIL_PHONE_TEMPLATE: Type.String({ default: 'PJSIP/{number}', pattern: '^[A-Za-z0-9_/@.-]*\\{number\\}[A-Za-z0-9_/@.-]*$' }),
  VOICEMAIL_RECORD_GREETING_MEDIA: Type.String({ default: 'sound:vm-rec-unv', pattern: '^[a-z]+:.+' }),
  // Where uploaded greetings are written for the PBX to play, as this service and as the PBX sees it.
  VOICEMAIL_GREETING_DIR: Type.String({ default: '.data/greetings', minLength: 1 }),
  VOICEMAIL_PBX_GREETING_DIR: Type.Optional(Type.String({ minLength: 1, pattern: '^/[A-Za-z0-9_./-]*$' })),
  // How the PBX dials a fax number: {number} is replaced by a checked destination
  // (deploy/asterisk/extensions.conf [cti-fax] takes it out through the trunk).
  FAX_DIAL_TEMPLATE: Type.String({ default: 'Local/{number}@cti-fax/n', pattern: '^[A-Za-z0-9_/@.{}-]*\\{number\\}[A-Za-z0-9_/@.{}-]*$' }),
  // Where fax-ready TIFFs are written for SendFAX, as this service and as the PBX sees it.
  FAX_DOCUMENT_DIR: Type.String({ default: '.data/fax', minLength: 1 }),
  FAX_PBX_DOCUMENT_DIR: Type.Optional(Type.String({ minLength: 1, pattern: '^/[A-Za-z0-9_./-]*$' })),
  FAX_STATION_ID: Type.String({ default: '', pattern: '^[0-9+ ]{0,20}$' }),
  FAX_HEADER: Type.String({ default: 'cti-bridge', pattern: '^[A-Za-z0-9 .,:/_-]{0,50}$' }),
  FAX_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1, maximum: 20 }),
  FAX_RETRY_DELAY_MS: Type.Integer({ default: 60_000, minimum: 10 }),
  FAX_RING_TIMEOUT_MS: Type.Integer({ default: 45_000, minimum: 1_000 }),
  FAX_SEND_TIMEOUT_MS: Type.Integer({ default: 900_000, minimum: 1_000 }),
  FAX_MAX_UPLOAD_BYTES: Type.Integer({ default: 10_485_760, minimum: 1024 }),
  // PDF conversion (Ghostscript): at most this many at once (default: one per core), this
  // many more waiting (past that: 503 with Retry-After), each stopped after the timeout or
  // when it needs more memory or would write a larger TIFF than allowed.
  FAX_CONVERSIONS: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  FAX_CONVERSION_QUEUE: Type.Integer({ default: 8, minimum: 0, maximum: 1000 }),
  FAX_CONVERSION_TIMEOUT_MS: Type.Integer({ default: 60_000, minimum: 100 }),
  FAX_CONVERSION_MAX_MEMORY_MB: Type.Integer({ default: 512, minimum: 64 }),
  FAX_CONVERSION_MAX_OUTPUT_BYTES: Type.Integer({ default: 67_108_864, minimum: 65_536 }),
  // Retention in days per kind of data (0 keeps it for ever); see docs/operations.md.
  RETENTION_JOURNAL_DAYS: Type.Integer({ default: KEEP.journal, minimum: 0 }),
  RETENTION_CALL_EVENTS_DAYS: Type.Integer({ default: KEEP.callEvents, minimum: 0 }),
  RETENTION_CALLS_DAYS: Type.Integer({ default: KEEP.calls, minimum: 0 }),
  RETENTION_CDRS_DAYS: Type.Integer({ default: KEEP.cdrs, minimum: 0 }),
  RETENTION_ASTERISK_CDRS_DAYS: Type.Integer({ default: KEEP.asteriskCdrs, minimum: 0 }),
  RETENTION_DELIVERIES_DAYS: Type.Integer({ default: KEEP.deliveries, minimum: 0 }),
  RETENTION_DEAD_LETTERS_DAYS: Type.Integer({ default: KEEP.deadLetters, minimum: 0 }),
  RETENTION_VOICEMAIL_DAYS: Type.Integer({ default: KEEP.voicemail, minimum: 0 }),
  RETENTION_FAXES_DAYS: Type.Integer({ default: KEEP.faxes, minimum: 0 }),
  RETENTION_LOGISTICS_UPDATES_DAYS: Type.Integer({ default: KEEP.logisticsUpdates, minimum: 0 }),
  RETENTION_QUEUE_STATS_DAYS: Type.Integer({ default: KEEP.queueStats, minimum: 0 }),
  RETENTION_KPI_QUARTER_HOURS_DAYS: Type.Integer({ default: KEEP.kpiQuarterHours, minimum: 0 }),
  RETENTION_KPI_DAYS_DAYS: Type.Integer({ default: KEEP.kpiDays, minimum: 0 }),
  // How far ahead partitions are created, and how often the retention job runs.
  RETENTION_PARTITIONS_AHEAD_DAYS: Type.Integer({ default: 7, minimum: 2, maximum: 90 }),
  RETENTION_INTERVAL_MS: Type.Integer({ default: 3_600_000, minimum: 1_000 }),
  // Fax-on-demand budgets (0: no limit): per caller and per destination a day, for the
  // whole service a day and an hour. They bound what a caller can make the line pay.
  FAX_DEMAND_PER_CALLER_DAY: Type.Integer({ default: 3, minimum: 0 }),
  FAX_DEMAND_PER_DESTINATION_DAY: Type.Integer({ default: 3, minimum: 0 }),
  FAX_DEMAND_PER_DAY: Type.Integer({ default: 200, minimum: 0 }),
  FAX_DEMAND_PER_HOUR: Type.Integer({ default: 30, minimum: 0 }),
  // Daily budgets of every API key (UTC day; 0: no limit).
  CALLS_PER_KEY_DAY: Type.Integer({ default: 500, minimum: 0 }),
  FAX_PER_KEY_DAY: Type.Integer({ default: 100, minimum: 0 }),
  // This many refused destinations of one key or caller within the window raise security.alert
  // (0: never); SECURITY_SUSPEND_KEYS suspends the key at the same moment.
  SECURITY_REFUSAL_BURST: Type.Integer({ default: 10, minimum: 0 }),
  SECURITY_REFUSAL_WINDOW_SECONDS: Type.Integer({ default: 600, minimum: 10 }),
  SECURITY_SUSPEND_KEYS: Type.Boolean({ default: true }),
});
type Env = Static<typeof EnvSchema>;

export interface Config {
  env: string;
  host: string;
  port: number;
  logLevel: string;
  /** Longest a log line waits to be written with others (0: at once). */
  logFlushMs: number;
  instanceId: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  databaseNamedStatements: boolean;
  callCache: boolean;
  redisUrl: string;
  redisPrefix: string;
  pbxNodes: PbxNodeConfig[];
  greetingMedia: string;
  ivr: { secrets: Record<string, IvrSecret>; sorryMedia: string; promptMaxSeconds: number };
  /** Who outbound requests (webhooks, connectors, CRM lookups) may reach beyond public addresses. */
  outbound: TargetPolicy;
  webhooks: { timeoutMs: number; maxAttempts: number };
  connectors: ConnectorConfig[];
  logisticsInboundSecret: string | undefined;
  leaseTtlMs: number;
  retention: { days: RetentionDays; aheadDays: number; intervalMs: number };
  commandTimeoutMs: number;
  callControl: CallControlConfig;
  rateLimitPerMinute: number;
  authFailuresPerMinute: number;
  bodyLimitBytes: number;
  streamTokenSecret: string | undefined;
  /** OpenTelemetry trace export; undefined: tracing off. */
  tracing: TracingConfig | undefined;
  reportsTimeZone: string;
  queueStatsIntervalMs: number;
  wallboardRefreshMs: number;
  campaignOfferSeconds: number;
  campaignDispatchIntervalMs: number;
  voicemail: VoicemailConfig;
  fax: FaxConfig;
  faxOnDemand: FaxDemandConfig;
  fraud: FraudConfig;
}

/** The variables still holding a shipped placeholder (CHANGE-ME-…), by name only. */
function placeholderSecrets(source: Record<string, string | undefined>): string[] {
  return Object.keys(EnvSchema.properties)
    .filter((name) => /CHANGE-ME/i.test(source[name] ?? ''))
    .sort();
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  let env: Env;
  try {
    env = envSchema<Env>({ schema: EnvSchema, data: { ...source }, dotenv: false });
  } catch (err) {
    // Ajv says e.g. "env/PORT must be integer": keep the variable name, drop the prefix.
    throw new ConfigError(`invalid configuration: ${(err as Error).message.replace(/env\//g, '')}`);
  }
  const placeholders = placeholderSecrets(source);
  if (placeholders.length > 0 && !env.ALLOW_PLACEHOLDER_SECRETS) {
    throw new ConfigError(
      `${placeholders.join(', ')} still hold${placeholders.length === 1 ? 's' : ''} a CHANGE-ME placeholder: set real secrets (ALLOW_PLACEHOLDER_SECRETS=true is for demos only)`,
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: env.REPORTS_TIME_ZONE });
  } catch {
    throw new ConfigError(`REPORTS_TIME_ZONE '${env.REPORTS_TIME_ZONE}' is not an IANA time zone`);
  }
  const retentionDays: RetentionDays = {
    journal: env.RETENTION_JOURNAL_DAYS,
    callEvents: env.RETENTION_CALL_EVENTS_DAYS,
    calls: env.RETENTION_CALLS_DAYS,
    cdrs: env.RETENTION_CDRS_DAYS,
    asteriskCdrs: env.RETENTION_ASTERISK_CDRS_DAYS,
    deliveries: env.RETENTION_DELIVERIES_DAYS,
    deadLetters: env.RETENTION_DEAD_LETTERS_DAYS,
    voicemail: env.RETENTION_VOICEMAIL_DAYS,
    faxes: env.RETENTION_FAXES_DAYS,
    logisticsUpdates: env.RETENTION_LOGISTICS_UPDATES_DAYS,
    queueStats: env.RETENTION_QUEUE_STATS_DAYS,
    kpiQuarterHours: env.RETENTION_KPI_QUARTER_HOURS_DAYS,
    kpiDays: env.RETENTION_KPI_DAYS_DAYS,
  };
  const retentionErrors = retentionProblems(retentionDays);
  if (retentionErrors.length) throw new ConfigError(`invalid configuration: ${retentionErrors.join('; ')}`);
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    logFlushMs: env.LOG_FLUSH_MS,
    instanceId: env.INSTANCE_ID ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    databaseNamedStatements: env.DATABASE_NAMED_STATEMENTS,
    callCache: env.CALL_CACHE,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    pbxNodes: parsePbxNodes(env),
    greetingMedia: env.GREETING_MEDIA,
    ivr: { secrets: parseIvrSecrets(env.IVR_SECRETS), sorryMedia: env.IVR_SORRY_MEDIA, promptMaxSeconds: env.IVR_PROMPT_MAX_SECONDS },
    outbound: parseOutbound(env),
    webhooks: {
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    },
    connectors: parseConnectorsVar(env.CONNECTORS),
    logisticsInboundSecret: env.LOGISTICS_INBOUND_SECRET,
    leaseTtlMs: env.LEASE_TTL_MS,
    retention: { days: retentionDays, aheadDays: env.RETENTION_PARTITIONS_AHEAD_DAYS, intervalMs: env.RETENTION_INTERVAL_MS },
    commandTimeoutMs: env.COMMAND_TIMEOUT_MS,
    callControl: {
      trunk: env.CALLS_TRUNK,
      callerId: env.CALLS_CALLER_ID || null,
      policy: parseDialPolicy(env.CALLS_DIAL_ALLOW, env.CALLS_DIAL_DENY),
      maxConcurrent: env.CALLS_MAX_CONCURRENT,
      perMinute: env.CALLS_PER_MINUTE,
      mohClass: env.CALLS_MOH_CLASS,
      transferTimeoutSeconds: env.TRANSFER_TIMEOUT_SECONDS,
      initiatorHangup: env.TRANSFER_INITIATOR_HANGUP,
      recallSeconds: env.TRANSFER_RECALL_SECONDS,
      destinations: parseDestinations(env.TRANSFER_DESTINATIONS),
    },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    streamTokenSecret: env.STREAM_TOKEN_SECRET,
    tracing: parseTracing(env),
    reportsTimeZone: env.REPORTS_TIME_ZONE,
    queueStatsIntervalMs: env.QUEUE_STATS_INTERVAL_MS,
    wallboardRefreshMs: env.WALLBOARD_REFRESH_MS,
    campaignOfferSeconds: env.CAMPAIGN_OFFER_SECONDS,
    campaignDispatchIntervalMs: env.CAMPAIGN_DISPATCH_INTERVAL_MS,
    voicemail: {
      greetingMedia: env.VOICEMAIL_GREETING_MEDIA,
      goodbyeMedia: env.VOICEMAIL_GOODBYE_MEDIA,
      minSeconds: env.VOICEMAIL_MIN_SECONDS,
      maxSilenceSeconds: env.VOICEMAIL_MAX_SILENCE_SECONDS,
      mwiContext: env.VOICEMAIL_MWI_CONTEXT,
      greetingDir: env.VOICEMAIL_GREETING_DIR,
      pbxGreetingDir: env.VOICEMAIL_PBX_GREETING_DIR,
      phoneTemplate: env.VOICEMAIL_PHONE_TEMPLATE,
      recordGreetingMedia: env.VOICEMAIL_RECORD_GREETING_MEDIA,
    },
    fax: {
      dialTemplate: env.FAX_DIAL_TEMPLATE,
      documentDir: env.FAX_DOCUMENT_DIR,
      pbxDocumentDir: env.FAX_PBX_DOCUMENT_DIR,
      stationId: env.FAX_STATION_ID,
      header: env.FAX_HEADER,
      maxAttempts: env.FAX_MAX_ATTEMPTS,
      retryDelayMs: env.FAX_RETRY_DELAY_MS,
      ringTimeoutMs: env.FAX_RING_TIMEOUT_MS,
      sendTimeoutMs: env.FAX_SEND_TIMEOUT_MS,
      maxUploadBytes: env.FAX_MAX_UPLOAD_BYTES,
      conversion: {
        concurrency: env.FAX_CONVERSIONS ?? availableParallelism(),
        queue: env.FAX_CONVERSION_QUEUE,
        timeoutMs: env.FAX_CONVERSION_TIMEOUT_MS,
        maxMemoryBytes: env.FAX_CONVERSION_MAX_MEMORY_MB * 1_048_576,
        maxOutputBytes: env.FAX_CONVERSION_MAX_OUTPUT_BYTES,
      },
    },
    faxOnDemand: {
      perCallerDay: env.FAX_DEMAND_PER_CALLER_DAY,
      perDestinationDay: env.FAX_DEMAND_PER_DESTINATION_DAY,
      perDay: env.FAX_DEMAND_PER_DAY,
      perHour: env.FAX_DEMAND_PER_HOUR,
    },
    fraud: {
      burstRefusals: env.SECURITY_REFUSAL_BURST,
      burstWindowSeconds: env.SECURITY_REFUSAL_WINDOW_SECONDS,
      suspendKeys: env.SECURITY_SUSPEND_KEYS,
      callsPerKeyDay: env.CALLS_PER_KEY_DAY,
      faxesPerKeyDay: env.FAX_PER_KEY_DAY,
    },
  };
}

/** The configuration with every secret replaced, for logs and /readyz. */
export function redactConfig(config: Config): unknown {
  return {
    ...config,
    databaseUrl: config.databaseUrl?.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
    redisUrl: config.redisUrl.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'),
    streamTokenSecret: config.streamTokenSecret ? '***' : undefined,
    tracing: config.tracing && { ...config.tracing, headers: Object.fromEntries(Object.keys(config.tracing.headers).map((k) => [k, '***'])) },
    connectors: config.connectors.map(redactConnector),
    logisticsInboundSecret: config.logisticsInboundSecret ? '***' : undefined,
    ivr: { ...config.ivr, secrets: Object.fromEntries(Object.entries(config.ivr.secrets).map(([k, s]) => [k, { value: '***', hosts: s.hosts }])) },
    pbxNodes: config.pbxNodes.map((n) => ({
      ...n,
      ami: { ...n.ami, secret: '***' },
      ari: { ...n.ari, password: '***' },
    })),
  };
}
