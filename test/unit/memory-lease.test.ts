import { test } from 'node:test';
import { createMemoryLeaseStore } from '../../src/lease';
import { checkLeaseContract } from '../helpers/lease-contract';

test('the in-memory store keeps the lease contract', async () => {
  await checkLeaseContract(createMemoryLeaseStore(), 'p1');
});
