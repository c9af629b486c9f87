// The dead-letter path: how a run that cannot succeed is parked (desk), and how an operator finds,
// retries and discards parked jobs (operator). Its types are in src/contract/dead-letter.ts and its
// command in src/cli/dlq.ts. Workflow-safe imports only: the workflow bundle includes this folder.
export * from './desk';
export * from './operator';
