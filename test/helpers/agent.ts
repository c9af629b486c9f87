import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tiedToParent } from '../../src/dev/tied-to-parent';

const ROOT = join(__dirname, '..', '..');

export interface AgentProcess {
  child: ChildProcess;
  url: string;
  /** The bearer token its every call must carry. */
  token: string;
}

/**
 * The local launcher as its own process (src/launcher/standalone.ts): it stands for the MLX agent, which
 * outlives its worker and can hang or die on its own. `args` are the launcher's flags (e.g. --faults).
 */
export async function startAgentProcess(dataDir: string, args: string[] = []): Promise<AgentProcess> {
  const script = join(ROOT, 'src', 'launcher', 'standalone.ts');
  const agent = tiedToParent(process.execPath, ['--import', 'tsx', script, ...args]);
  const token = randomBytes(16).toString('hex');
  const child = spawn(agent.command, agent.args, {
    env: { ...process.env, MLX_DATA_DIR: dataDir, MLX_LOG_LEVEL: 'warn', MLX_LOCAL_LAUNCHER_TOKEN: token },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', () => reject(new Error('the agent exited')));
  });
  return { child, url, token };
}
