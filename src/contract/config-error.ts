/** A bad setting: start-up stops with this one line, which names the setting and the reason. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
