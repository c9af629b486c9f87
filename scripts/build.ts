/**
 * `npm run build`, and `npm pack`'s prepack: the package's dist/. The compiled JavaScript and type
 * declarations of src/ (tsconfig.build.json; incremental, so a build with nothing changed takes seconds),
 * and dist/workflow-bundle.js: the workflows bundled with the tracing interceptors, which a worker of the
 * installed package runs instead of bundling at every start (cached by the sources' hash, as the tests'
 * bundle is).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { workflowBundlePath } from '../src/dev/workflow-bundle';

const ROOT = join(__dirname, '..');

execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
);
workflowBundlePath()
  .then((bundle) => copyFileSync(bundle, join(ROOT, 'dist', 'workflow-bundle.js')))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
