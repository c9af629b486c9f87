import { ConfigError } from '../contract/config-error';
import { settingSecrets } from '../config/setting-secrets';
import { createRedactor } from '../secrets';
import { setOutputFilter, startTelemetry } from '../telemetry';
import type { TaskRegistry } from '../tasks';

/**
 * The mlx-jobs process: telemetry first (so the CLI's spans join the jobs' traces), then the command;
 * exits with its code once the spans are flushed. `tasks`: the installation's tasks (the built-in ones
 * by default).
 */
export function runCliProcess(argv: string[], tasks?: TaskRegistry): void {
  // The tokens in its settings (the codec endpoint's above all) reach none of its lines or spans.
  setOutputFilter(createRedactor(() => settingSecrets(process.env)));
  let telemetry: ReturnType<typeof startTelemetry>;
  try {
    telemetry = startTelemetry({ serviceName: 'mlx-client' });
  } catch (err) {
    // A bad OTEL_* setting: one line naming it, as for every other setting.
    if (!(err instanceof ConfigError)) throw err;
    console.error(`mlx-jobs: ${err.message}`);
    process.exit(2);
  }
  const exit = (code: number) =>
    void telemetry
      .shutdown()
      .catch(() => undefined)
      // Output to a pipe is written asynchronously: exit once a large `--json` answer is all out.
      .finally(() => process.stdout.write('', () => process.exit(code)));
  void import('./run-cli').then(({ runCli, cliFailure }) =>
    runCli(argv, undefined, { tasks }).then(exit, (err: unknown) => {
      const failure = cliFailure(err);
      for (const line of failure.stderr) console.error(line);
      exit(failure.code);
    }),
  );
}
