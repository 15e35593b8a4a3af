// The shapes of the settings of fax, voicemail and fraud control, as the rest of the service sees them.

export interface FraudConfig {
  /** Refusals of one subject within the window that raise an alert; 0 turns alerts off. */
  burstRefusals: number;
  burstWindowSeconds: number;
  /** Whether an alert about an API key also suspends it. */
  suspendKeys: boolean;
  /** Click-to-dial calls (and campaign dials) per key and UTC day; 0: no limit. */
  callsPerKeyDay: number;
  /** Faxes per key and UTC day; 0: no limit. */
  faxesPerKeyDay: number;
}

export interface FaxDemandConfig {
  perCallerDay: number;
  perDestinationDay: number;
  perDay: number;
  perHour: number;
}

export interface VoicemailConfig {
  greetingMedia: string;
  goodbyeMedia: string;
  minSeconds: number;
  maxSilenceSeconds: number;
  mwiContext: string;
  greetingDir: string;
  pbxGreetingDir: string | undefined;
  phoneTemplate: string;
  recordGreetingMedia: string;
}

export interface FaxConfig {
  dialTemplate: string;
  documentDir: string;
  pbxDocumentDir: string | undefined;
  stationId: string;
  header: string;
  maxAttempts: number;
  retryDelayMs: number;
  ringTimeoutMs: number;
  sendTimeoutMs: number;
  maxUploadBytes: number;
  conversion: ConversionLimits;
}

export interface ConversionLimits {
  /** Ghostscripts running at once. */
  concurrency: number;
  /** Conversions waiting for a turn; one more is refused. */
  queue: number;
  timeoutMs: number;
  maxMemoryBytes: number;
  maxOutputBytes: number;
}
