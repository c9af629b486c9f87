import { z } from 'zod';
import type { JobSpecInput } from '../contract';
import type { TaskDefinition } from './task-definition';

/** What `mlx-jobs tasks show` prints: the task's input and output as JSON Schema, and a spec to start from. */
export interface TaskDescription {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12) of `task.input`, as a client sends it. */
  input_schema: Record<string, unknown>;
  /** JSON Schema of the task's output, as the result and the webhook carry it. */
  output_schema: Record<string, unknown>;
  /** A JobSpec running the task on its example input; absent when the task defines no example. */
  example_spec?: JobSpecInput;
  /** The failure types of the task's own (defineFailure), and whether each is retried. */
  failures: { type: string; retryable: boolean; description: string }[];
}

/**
 * The task described from its own zod schemas (zod's z.toJSONSchema). Checks zod cannot express in
 * JSON Schema (a refinement such as "from on or before to") are left to the task's own validation.
 */
export function describeTask(task: TaskDefinition): TaskDescription {
  const schema = (type: z.ZodType, io: 'input' | 'output') =>
    z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    name: task.name,
    description: task.description,
    input_schema: schema(task.input, 'input'),
    output_schema: schema(task.output, 'output'),
    ...(task.example !== undefined && { example_spec: exampleSpec(task.name, task.example) }),
    failures: (task.failures ?? []).map(({ type, retryable, description }) => ({
      type,
      retryable,
      description,
    })),
  };
}

function exampleSpec(name: string, input: unknown): JobSpecInput {
  return {
    job_id: `${name}-2026-11-23-client-42`,
    profile_id: '6f0c1d7e-2b1a-4c3d-9e8f-0a1b2c3d4e5f',
    folder_id: 'c1d2e3f4-0000-4000-8000-000000000001',
    platform: 'shopee_my',
    client_id: '42',
    task: { name, input: input as Record<string, unknown> },
    callback_url: 'https://hooks.client42.example/mlx',
  };
}
