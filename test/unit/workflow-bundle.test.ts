import assert from 'node:assert/strict';
import { test } from 'node:test';
import vm from 'node:vm';
import { workflowBundle } from '../../src/dev/workflow-bundle';

interface BundleApi {
  importWorkflows(): Record<string, unknown>;
  importInterceptors(): unknown[];
}

/**
 * Sets the production bundle (workflows and tracing interceptors) up the way Temporal does for each new
 * run: a fresh module cache, filled by the workflows' and interceptors' imports. Returns the ids of the
 * modules that set-up ran.
 */
async function modulesSetUpForARun(): Promise<{ ids: string[]; workflows: string[]; code: string }> {
  const { code } = await workflowBundle();
  const cache = new Map<string | symbol, unknown>();
  const context = vm.createContext({ console, TextEncoder, TextDecoder, URL, AbortController, performance });
  context.__webpack_module_cache__ = new Proxy(
    {},
    {
      get: (_target, id) => cache.get(id),
      set: (_target, id, module) => (cache.set(id, module), true),
      deleteProperty: (_target, id) => cache.delete(id),
    },
  );
  new vm.Script(code).runInContext(context);
  const api =
    (context.__TEMPORAL__ as BundleApi | undefined) ?? assert.fail('the bundle set no __TEMPORAL__');
  const workflows = Object.keys(api.importWorkflows());
  assert.ok(api.importInterceptors().length > 0, 'the tracing interceptors are in the bundle');
  return { ids: [...cache.keys()].map(String), workflows, code };
}

// Temporal sets a run's modules up afresh, and zod with the job's schemas is most of what that costs:
// workflow code reaches them only through src/contract/schemas-on-demand.ts.
test('a run sets up the workflows without zod, which the bundle holds for the runs that validate', async () => {
  const { ids, workflows, code } = await modulesSetUpForARun();
  assert.ok(workflows.includes('runJob') && workflows.includes('profileQueue'), workflows.join(', '));
  assert.ok(
    ids.some((id) => id.includes('/src/workflows/')),
    'the workflow modules were set up',
  );
  assert.deepEqual(
    ids.filter(
      (id) => id.includes('/node_modules/zod/') || /\/src\/contract\/(job-spec|dead-letter)/.test(id),
    ),
    [],
  );
  assert.match(code, /\/node_modules\/zod\//, 'zod is bundled, for scheduled runs and dead-letter requests');
});
