// The dead-letter path inside the workflow: how a run ends or is parked for an operator (settle), and the
// desk it waits at for an operator's retry or discard (desk). Its types are in
// src/contract/dead-letter.ts; operators work it with src/client-library/dead-letters.ts and the
// `mlx-jobs dlq` command (src/cli/dlq.ts).
export * from './desk';
export * from './settle';
