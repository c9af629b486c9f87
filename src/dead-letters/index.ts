// The dead-letter path: how a run ends or is parked for an operator (settle, desk), and how an operator
// finds, retries and discards parked jobs (operator). Its types are in src/contract/dead-letter.ts, its
// command in src/cli/dlq.ts. Workflow-safe imports only: the workflow bundle includes this folder.
export * from './desk';
export * from './operator';
export * from './settle';
