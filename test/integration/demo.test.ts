import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processesMatching, waitUntil } from '../helpers/processes';

const ROOT = join(__dirname, '..', '..');

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

// The demo as a user runs it: its job, the waterfall, the exemplar and links that answer; then closing
// the terminal (SIGHUP) must stop all it started, as Ctrl-C does. With --otp (one run covers both: the
// demo is the suite's costliest file), the shop asks for a one-time code: the job waits until the code
// is given by the command the demo prints. Without --otp the demo differs only in its shop's account.
test('npm run demo -- --otp shows the loop with live links, waits for the code given by the command it prints, and stops everything it started on SIGHUP', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mlx-demo-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src', 'demo', 'run-demo.ts'), '--stay-up', '--otp'],
    {
      cwd: ROOT,
      env: { ...process.env, MLX_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const command = /^ {2}(TEMPORAL_ADDRESS=\S+ .*bin\/mlx-jobs answer \S+)$/m;
    await waitUntil(() => command.test(out), 240_000, `the demo to print how to answer:\n${out}`);
    const code = /sent the one-time code (\d{6}) to the shop owner's phone/.exec(out)?.[1];
    assert.ok(code, out);
    assert.doesNotMatch(out, /press Ctrl-C to stop/, 'the job waits for the answer');
    // The printed command as a user runs it from the checkout, the code on stdin instead of typed.
    const answered = await runShell(`${command.exec(out)![1]} --stdin`, `${code}\n`);
    assert.equal(answered.code, 0, answered.output);
    assert.match(answered.output, /the task has it/);
    await waitUntil(() => out.includes('press Ctrl-C to stop'), 120_000, `the demo to run its job:\n${out}`);
    assert.match(out, /result: \d+ orders/);
    assert.match(out, /^ {6}StartActivity:executeTask .*ok/m);
    assert.match(out, /^ {10}mlx\.task\.execute /m);
    assert.match(out, /mlx\.webhook\.receive +mlx-webhook-receiver/);
    assert.match(
      out,
      /bin\/mlx-jobs trace demo-sync-orders-/,
      'Jaeger has no web UI: the demo says what to run',
    );
    assert.match(
      out,
      /exemplar of mlx_job_duration_seconds\{platform="shopee_my",task="sync_orders",outcome="completed"\}/,
    );
    const traceId = /^trace ([0-9a-f]{32}):$/m.exec(out)?.[1];
    assert.ok(traceId && out.includes(`trace_id=${traceId}`), 'the exemplar is the job trace');
    assert.doesNotMatch(out, /16686\/trace\//, 'no link into a Jaeger web UI that is not there');
    // Every page it links to answers (no placeholder), and so does every API it names.
    const pages = [
      ...out.matchAll(/(?:Web UI|Temporal UI of the run:|Prometheus UI:) (http:\/\/[^\s)]+)/g),
    ].map((m) => m[1]!);
    assert.equal(pages.length, 3, pages.join(' '));
    for (const link of pages) assert.equal((await fetch(link)).status, 200, `${link} answers`);
    const api = /curl (http:\/\/\S+\/api\/v3\/traces\/[0-9a-f]{32})/.exec(out)?.[1];
    assert.equal((await fetch(api!)).status, 200, `${api} answers`);
    await codecWiredToTheUi(out);

    const ports = [...out.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(processesMatching(dataDir).length > 0, 'the dev server runs under the data dir');
    child.kill('SIGHUP');
    assert.equal(await exited, 143, out);
    assert.match(out, /stopping…/);
    assert.deepEqual(processesMatching(dataDir), [], 'no dev server, no Chromium left');
    for (const port of new Set(ports))
      assert.equal(await listening(port), false, `nothing listens on ${port}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** A shell command line run in the checkout, as a user pastes it; its exit code and its output. */
function runShell(line: string, stdin: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const shell = spawn('bash', ['-c', line], { cwd: ROOT });
    let output = '';
    shell.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    shell.on('error', reject);
    shell.on('close', (code) => resolve({ code, output }));
    shell.stdin.end(stdin);
  });
}

/**
 * The dev server's Web UI decodes with the demo's codec endpoint: its settings name it, and a call from
 * the UI's origin is answered with nothing signed in to, while the endpoint itself still asks for its token.
 */
async function codecWiredToTheUi(out: string): Promise<void> {
  const webUi = /Web UI (http:\/\/\S+)/.exec(out)?.[1];
  const codecUrl = /codec endpoint +(http:\/\/\S+)/.exec(out)?.[1];
  assert.ok(webUi && codecUrl, out);
  const settings = (await (await fetch(`${webUi}/api/v1/settings`)).json()) as {
    Codec?: { Endpoint?: string };
  };
  const endpoint = settings.Codec?.Endpoint ?? '';
  assert.ok(endpoint.startsWith(`${codecUrl}/`), `the UI's codec endpoint ${endpoint} is the demo's`);
  const call = (url: string, path: string, payloads: unknown[]) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { origin: new URL(webUi).origin, 'content-type': 'application/json' },
      body: JSON.stringify({ payloads }),
    });
  const plain = {
    metadata: { encoding: Buffer.from('json/plain').toString('base64') },
    data: Buffer.from('"read as data"').toString('base64'),
  };
  const sealed = await call(endpoint, '/encode', [plain]);
  assert.equal(sealed.status, 200);
  const { payloads } = (await sealed.json()) as { payloads: { data: string }[] };
  assert.notEqual(payloads[0]?.data, plain.data, 'encrypted');
  const opened = await call(endpoint, '/decode', payloads);
  assert.deepEqual(((await opened.json()) as { payloads: unknown[] }).payloads, [plain]);
  assert.equal(
    (await call(codecUrl, '/decode', payloads)).status,
    401,
    'the bare endpoint asks for its token',
  );
  const other = await fetch(`${endpoint}/decode`, {
    method: 'POST',
    headers: { origin: 'http://127.0.0.1:1', 'content-type': 'application/json' },
    body: JSON.stringify({ payloads }),
  });
  assert.equal(other.status, 403, 'a page of another origin is refused');
}
