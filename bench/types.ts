// Every benchmark compares the subject with a baseline measured in the same run,
// because these machines are shared and noisy: only the ratio is meaningful.
export interface Rate {
  label: string;
  /** The measured value: a rate per second unless `unit` says otherwise. */
  perSecond: number;
  /** Set when the value is not a rate, e.g. 'ms' for a latency. */
  unit?: string;
}

export interface BenchResult {
  name: string;
  baseline: Rate;
  subject: Rate;
  /** subject / baseline */
  ratio: number;
  /** What the issue asks, in words, e.g. ">= 20% of raw" or ">= 3000/s" */
  target: string;
  pass: boolean;
}
