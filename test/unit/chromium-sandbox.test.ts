import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { launchChromium, noSandboxRefusal, sandboxFlags, startLocalLauncher } from '../../src/launcher';
import { createLogger } from '../../src/telemetry';
import { failureOf } from '../helpers/failures';

const dir = mkdtempSync(join(tmpdir(), 'mlx-sandbox-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `fn` with MLX_CHROMIUM_NO_SANDBOX set to `value` (unset for undefined), then restores it. */
async function withSetting<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.MLX_CHROMIUM_NO_SANDBOX;
  if (value === undefined) delete process.env.MLX_CHROMIUM_NO_SANDBOX;
  else process.env.MLX_CHROMIUM_NO_SANDBOX = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.MLX_CHROMIUM_NO_SANDBOX;
    else process.env.MLX_CHROMIUM_NO_SANDBOX = before;
  }
}

void describe("Chromium's sandbox", () => {
  void it('stays on by default, as root too: only MLX_CHROMIUM_NO_SANDBOX=true turns it off', () => {
    assert.deepEqual(sandboxFlags({}), []);
    for (const value of ['', 'false', '1', 'TRUE', 'yes']) {
      assert.deepEqual(sandboxFlags({ MLX_CHROMIUM_NO_SANDBOX: value }), [], value);
    }
    assert.deepEqual(sandboxFlags({ MLX_CHROMIUM_NO_SANDBOX: 'true' }), ['--no-sandbox']);
  });

  void it('refuses a launch as root without the setting, naming it, and none as another user', () => {
    assert.match(noSandboxRefusal({}, 0) ?? '', /cannot start as root.*MLX_CHROMIUM_NO_SANDBOX=true/);
    assert.equal(noSandboxRefusal({ MLX_CHROMIUM_NO_SANDBOX: 'true' }, 0), undefined);
    assert.equal(noSandboxRefusal({}, 1000), undefined);
  });

  void it(
    'a launch as root without the setting fails before Chromium starts',
    { skip: process.getuid?.() !== 0 && 'the refusal is for root only; CI runs as root' },
    async () => {
      const failed = await withSetting(undefined, () =>
        failureOf(
          launchChromium({
            chromiumPath: '/nonexistent/chromium',
            userDataDir: join(dir, 'p'),
            headless: true,
          }),
          'CdpUnreachable',
        ),
      );
      assert.equal(failed.nonRetryable, true);
      assert.match(failed.message, /MLX_CHROMIUM_NO_SANDBOX=true/);
    },
  );

  void it('warns once, at the launcher start, when the setting turns it off', async () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => void lines.push(line) });
    await withSetting('true', async () => {
      const launcher = await startLocalLauncher({ dataDir: join(dir, 'launcher'), log });
      await launcher.close();
    });
    const warnings = lines.filter((line) => line.includes('without its sandbox'));
    assert.equal(warnings.length, 1, lines.join('\n'));
  });
});
