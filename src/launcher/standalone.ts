/** CLI: serve the MLX launcher API on loopback with real Chromium, until SIGINT/SIGTERM. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { settingSecrets } from '../config/setting-secrets';
import { createRedactor } from '../secrets';
import { createLogger, setOutputFilter } from '../telemetry';
import { startLocalLauncher } from './http-api';

const USAGE = `Usage: npx tsx src/launcher/standalone.ts [--port N] [--data-dir DIR] [--chromium PATH] [--faults]
                                        [--tls-cert FILE --tls-key FILE]

Serves the MLX launcher API on 127.0.0.1 and starts a real Chromium per profile.

  --port N          port to listen on; 0 picks a free one   (env MLX_LAUNCHER_PORT, default 0)
  --data-dir DIR    profiles live in DIR/profiles/<id>      (env MLX_DATA_DIR, default .data)
  --chromium PATH   Chromium executable                     (env MLX_CHROMIUM_PATH, default /usr/bin/chromium)
  --faults          serve the fault switch: POST /_faults/p/<id> {"error": "LOCK_PROFILE_ERROR", "times": 2}
  --tls-cert FILE   serve https with this PEM certificate ...
  --tls-key FILE    ... and this PEM key
  -h, --help        show this help

Every /api call and the fault switch must send "Authorization: Bearer <token>": the token in env
MLX_LOCAL_LAUNCHER_TOKEN (16+ characters), or else a fresh one written to <data-dir>/launcher-token
(mode 0600) at start, whose path is printed on stderr. A web page cannot send that header without a
CORS preflight, which the launcher never grants.

Prints the launcher URL on stdout; logs go to stderr.`;

function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        chromium: { type: 'string' },
        faults: { type: 'boolean' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const values = readArgs();
  if (values.help) {
    console.log(USAGE);
    return;
  }

  const rawPort = values.port ?? process.env.MLX_LAUNCHER_PORT ?? '0';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    console.error(`--port / MLX_LAUNCHER_PORT must be an integer from 0 to 65535, got ${rawPort}`);
    process.exit(2);
  }

  if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) {
    console.error('--tls-cert and --tls-key go together');
    process.exit(2);
  }
  const tls =
    values['tls-cert'] && values['tls-key']
      ? { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) }
      : undefined;
  const dataDir = values['data-dir'] ?? process.env.MLX_DATA_DIR ?? '.data';
  const token = launcherToken(process.env.MLX_LOCAL_LAUNCHER_TOKEN, dataDir);

  // Its token (and any other secret in its settings) never reaches a log line.
  setOutputFilter(createRedactor(() => settingSecrets(process.env)));
  const log = createLogger({ fields: { component: 'local-launcher' } });
  const launcher = await startLocalLauncher({
    port,
    dataDir,
    chromiumPath: values.chromium ?? process.env.MLX_CHROMIUM_PATH ?? '/usr/bin/chromium',
    log,
    faults: values.faults ?? false,
    tls,
    token: token.value,
  });
  console.log(launcher.url);
  if (token.file) console.error(`no MLX_LOCAL_LAUNCHER_TOKEN: the launcher's token is in ${token.file}`);

  const shutdown = (signal: NodeJS.Signals): void => {
    log.info('shutting down', { signal });
    launcher.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** The token every call must carry: the setting's, or a fresh one kept in a file only this user reads. */
function launcherToken(given: string | undefined, dataDir: string): { value: string; file?: string } {
  if (given) {
    if (given.length < 16) {
      console.error('MLX_LOCAL_LAUNCHER_TOKEN must be at least 16 characters');
      process.exit(2);
    }
    return { value: given };
  }
  const value = randomBytes(32).toString('hex');
  const file = resolve(dataDir, 'launcher-token');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { value, file };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
