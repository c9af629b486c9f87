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
  const telemetry = startTelemetry({ serviceName: 'mlx-client' });
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
