// The one error a bad setting raises: start-up stops with its message, which names the variable.
export class ConfigError extends Error {
  override name = 'ConfigError';
}
