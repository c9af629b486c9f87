// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Arrows point down: no step, task, store or client code imports the worker's assembly, the CLI or the demo.
const downwardOnly = [
  {
    group: ['../worker-process', '../worker-process/*', '../cli', '../cli/*', '../demo', '../demo/*'],
    message:
      'Only the entry points, the demo and the CLI may import the worker assembly, the CLI or the demo.',
  },
];

const nodeBuiltins = ['fs', 'path', 'http', 'https', 'net', 'child_process', 'crypto', 'os', 'timers'];

// What workflow code may not import: it runs in Temporal's deterministic sandbox.
const workflowPatterns = [
  { group: ['node:*'], message: 'Workflow code must not use Node built-ins.' },
  { group: nodeBuiltins, message: 'Workflow code must not use Node built-ins.' },
  {
    group: ['../activities', '../activities/*', '../mlx', '../mlx/*', '../launcher', '../launcher/*'],
    allowTypeImports: true,
    message: 'Workflow code may import activity types only.',
  },
  {
    group: ['../tasks', '../tasks/*', '../lease', '../lease/*', '../host', '../host/*'],
    allowTypeImports: true,
    message: 'Workflow code may import types only from worker-side folders.',
  },
  {
    group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
    allowTypeImports: true,
    message: 'Workflow code may import types only from the client, worker and activity SDKs.',
  },
  {
    group: [
      '../config',
      '../config/*',
      '../telemetry',
      '../telemetry/*',
      '../client-library',
      '../client-library/*',
    ],
    message: 'Workflow code gets what it needs as input: no configuration, SDK setup or client.',
  },
  ...downwardOnly,
];

// The contract files that set up zod schemas when loaded.
const ZOD_BACKED = ['job-spec', 'dead-letter', 'policy-schemas', 'validation'].map((f) => `../contract/${f}`);

export default tseslint.config(
  // examples/ are standalone projects, as a user would write them: mlx-jobs resolves only once installed.
  { ignores: ['node_modules', 'dist', '.data', 'eslint.config.mjs', 'examples'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() returns a promise the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/worker.ts', 'src/client.ts', 'src/worker-process/**', 'src/cli/**', 'src/demo/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: downwardOnly }] },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O. The workflow
    // bundle also takes in the shared vocabulary, the step policies and the dead-letter path.
    files: [
      'src/workflows/**/*.ts',
      'src/contract/**/*.ts',
      'src/policies/**/*.ts',
      'src/dead-letters/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: workflowPatterns,
        },
      ],
    },
  },
  {
    // Temporal sets up the workflow bundle's modules afresh for every run: the workflows and the
    // dead-letter path take contract and policy files one by one, so zod and the schemas built on it are
    // loaded only on demand (src/contract/schemas-on-demand.ts).
    files: ['src/workflows/**/*.ts', 'src/dead-letters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: workflowPatterns,
          paths: ['../contract', '../policies', 'zod', ...ZOD_BACKED].map((name) => ({
            name,
            allowTypeImports: true,
            message:
              'Workflow code imports each value from the contract or policy file that holds it; zod only through schemas-on-demand.',
          })),
        },
      ],
    },
  },
);
