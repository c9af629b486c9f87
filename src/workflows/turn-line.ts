import {
  sameJob,
  type ProfileQueueState,
  type TurnHolder,
  type TurnRequest,
  type TurnRun,
} from '../contract/profile-queue';

/** How many released runs a queue remembers (carried across continue-as-new). */
const RELEASED_KEPT = 1_000;

/**
 * The line of one profile's queue: pure state, changed by the queue workflow's signal handlers and its
 * loop. One entry per job (workflow id): a reset run of a job takes over its place and its turn.
 */
export class TurnLine {
  holder?: TurnHolder;
  readonly waiting: TurnRequest[];
  private readonly released: string[];

  constructor(private readonly initial: ProfileQueueState) {
    this.holder = initial.holder;
    this.waiting = [...initial.waiting];
    this.released = [...(initial.released ?? [])];
  }

  /**
   * Puts a job in line; a job already in line keeps its place; a run that gave its turn back is refused.
   * On a free profile the job holds the turn at once (from `now`); it is signalled so only if it joined
   * the line itself (it then waits for the signal): a job the client queued learns it when it asks.
   */
  enqueue(request: TurnRequest, now: number): void {
    if (this.released.includes(request.run_id)) return;
    const tell = request.asked_by === 'job';
    if (this.holder && sameJob(this.holder, request)) {
      this.holder = { ...this.holder, run_id: request.run_id, tell: this.holder.tell || tell };
      return;
    }
    const at = this.waiting.findIndex((w) => sameJob(w, request));
    if (at >= 0) this.waiting[at] = { ...this.waiting[at]!, run_id: request.run_id };
    else if (this.idle) this.holder = { ...request, since: now, tell };
    else this.waiting.push(request);
  }

  /** The job gives its turn back, or stops waiting; its run is remembered so it cannot queue again. */
  release(run: TurnRun): void {
    this.remember(run.run_id);
    if (this.holder && sameJob(this.holder, run)) this.holder = undefined;
    else {
      const at = this.waiting.findIndex((w) => sameJob(w, run));
      if (at >= 0) this.waiting.splice(at, 1);
    }
  }

  /** The next job in line becomes the holder (from `now`), to be told by signal; undefined when nobody waits. */
  grantNext(now: number): TurnHolder | undefined {
    const next = this.waiting.shift();
    if (next) this.holder = { ...next, since: now, tell: true };
    return this.holder;
  }

  /** The holder has been (or is being) signalled its turn. */
  told(holder: TurnHolder): void {
    if (this.holder === holder) this.holder = { ...holder, tell: false };
  }

  /** Frees the turn of a holder that is gone or done with it (it never gave it back itself). */
  drop(holder: TurnRun): void {
    if (this.holder && sameJob(this.holder, holder)) this.release(this.holder);
  }

  get idle(): boolean {
    return !this.holder && this.waiting.length === 0;
  }

  state(): ProfileQueueState {
    return {
      profile_id: this.initial.profile_id,
      ...(this.holder && { holder: this.holder }),
      waiting: [...this.waiting],
      released: [...this.released],
    };
  }

  private remember(runId: string): void {
    if (this.released.includes(runId)) return;
    this.released.push(runId);
    if (this.released.length > RELEASED_KEPT) this.released.shift();
  }
}
