/** Typed errors: each says what was wrong and what to do about it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
export class DataError extends Error {
  override name = 'DataError';
}
export class BackendError extends Error {
  override name = 'BackendError';
}
