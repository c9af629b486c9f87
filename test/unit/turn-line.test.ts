import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TurnLine } from '../../src/workflows/turn-line';

const run = (job: string, runId = `${job}-run-1`) => ({
  workflow_id: `mlx-job-${job}`,
  run_id: runId,
  job_id: job,
  asked_at: 0,
});
const empty = () => new TurnLine({ profile_id: 'p', waiting: [] });

test('the first job on a free profile holds it at once; the others get it in the order they joined, each once', () => {
  const line = empty();
  for (const job of ['a', 'b', 'c', 'b']) line.enqueue(run(job), 1);
  assert.equal(line.holder?.job_id, 'a');
  assert.equal(line.holder?.since, 1);
  assert.deepEqual(
    line.waiting.map((w) => w.job_id),
    ['b', 'c'],
  );
  const order = [line.holder.job_id];
  line.release(line.holder);
  for (let holder = line.grantNext(2); holder; holder = line.grantNext(3)) {
    order.push(holder.job_id);
    line.release(holder);
  }
  assert.deepEqual(order, ['a', 'b', 'c']);
  assert.ok(line.idle);
});

test('a run that gave its turn back (or withdrew) is never queued again by a late request', () => {
  const line = empty();
  line.enqueue(run('a'), 1);
  line.release(run('a'));
  line.enqueue(run('a'), 2);
  assert.ok(line.idle, 'the late request of the released run is refused');
  line.enqueue(run('a', 'a-run-2'), 3);
  assert.equal(line.holder?.run_id, 'a-run-2', 'a new run of the same job (a resubmission, a retry) joins');
});

test('a reset run takes over its job’s place and turn, and gives it back under its new run id', () => {
  const line = empty();
  line.enqueue(run('a'), 5);
  line.enqueue(run('b'), 6);
  line.enqueue(run('b', 'b-reset'), 7);
  assert.deepEqual(
    line.waiting.map((w) => w.run_id),
    ['b-reset'],
    'the waiting job keeps its place',
  );
  line.enqueue(run('a', 'a-reset'), 8);
  assert.equal(line.holder?.run_id, 'a-reset', 'the holding job keeps its turn');
  assert.equal(line.holder?.since, 5);
  line.release(run('a', 'a-reset'));
  assert.equal(line.holder, undefined);
});

test('a dropped holder frees the turn and is remembered; the state carries across continue-as-new', () => {
  const line = empty();
  line.enqueue(run('a'), 1);
  line.enqueue(run('b'), 1);
  line.drop(line.holder!);
  assert.equal(line.holder, undefined);
  const carried = new TurnLine(line.state());
  carried.enqueue(run('a'), 2);
  assert.deepEqual(
    carried.waiting.map((w) => w.job_id),
    ['b'],
    'the dropped run stays refused after a continue-as-new',
  );
  assert.equal(carried.grantNext(3)?.job_id, 'b');
});

test('a job is signalled its turn when it waited or joined the line itself, not when its submit found the profile free', () => {
  const line = empty();
  line.enqueue(run('a'), 1);
  assert.equal(line.holder?.tell, false, 'queued by its submit: it learns the turn when it asks');
  line.enqueue({ ...run('a'), asked_by: 'job' }, 2);
  assert.equal(line.holder?.tell, true, 'it asked before the queue knew it, and now waits for the signal');
  line.told(line.holder);
  assert.equal(line.holder?.tell, false);
  line.enqueue(run('b'), 3);
  line.release(run('a'));
  assert.equal(line.grantNext(4)?.tell, true, 'a job that waited in line is signalled');
});
