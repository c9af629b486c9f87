/**
 * The zod-backed checks workflow code needs only now and then: a scheduled run's template, once, at its
 * start, and an operator's dead-letter request. Temporal sets up the workflow bundle's modules afresh for
 * every run, and zod with the job's schemas is most of that set-up (about 14 ms of CPU a run: see
 * docs/benchmarks.md); required here on first use, they cost a run that needs neither nothing. For the
 * same reason workflow code imports contract files one by one, never this folder's index (the lint rule
 * for workflow code and test/unit/workflow-bundle.test.ts keep it so).
 */
type JobSpecs = typeof import('./job-spec');
type DeadLetterRules = typeof import('./dead-letter');

export function jobSpecs(): JobSpecs {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on first use (above)
  return require('./job-spec') as JobSpecs;
}

export function deadLetterRules(): DeadLetterRules {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on first use (above)
  return require('./dead-letter') as DeadLetterRules;
}
