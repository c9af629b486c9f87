/**
 * Secret values held in settings that are not secrets as a whole: the password in MLX_REDIS_URL, the
 * values of the OTLP exporters' headers (an API key, a bearer token), and the tokens a process serves
 * or presents (the codec endpoint's, the standalone launcher's). Every process registers them with its
 * redactor, so an error quoting a connection string or a header leaks none of them.
 */
import type { Env } from './env';

const TOKENS = ['MLX_CODEC_SERVER_TOKEN', 'MLX_LOCAL_LAUNCHER_TOKEN'];
const HEADER_LISTS = [
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
];

const decoded = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

export function settingSecrets(env: Env): string[] {
  const found: string[] = [];
  for (const name of TOKENS) if (env[name]) found.push(env[name]);
  for (const name of HEADER_LISTS) {
    // `key=value,key2=value2`, values URL-encoded (the OTLP exporter's format).
    for (const pair of (env[name] ?? '').split(',')) {
      const value = decoded(pair.slice(pair.indexOf('=') + 1)).trim();
      if (!pair.includes('=') || !value) continue;
      // `Bearer <token>`, `Basic <base64>`: the credential after the scheme, and the whole value.
      found.push(value, value.split(/\s+/).at(-1)!);
    }
  }
  if (env.MLX_REDIS_URL) {
    try {
      const { password } = new URL(env.MLX_REDIS_URL);
      if (password) found.push(decoded(password));
    } catch {
      // A bad URL is refused by the settings' own check.
    }
  }
  return [...new Set(found)];
}
