// The bare SDK arm of the orchestration benchmark: six no-op activities in a row, nothing else.
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { step } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

export async function sixNoOps(): Promise<void> {
  for (let i = 0; i < 6; i++) await step();
}
