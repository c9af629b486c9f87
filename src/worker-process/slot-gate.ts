import type { ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';
import type { ProfileSlots } from '../host';

/**
 * The acquire queue's slot supplier: the worker polls for a job to lease only while it has a free
 * profile slot that no poll already counts on. A job waiting for room is thus a task resting in the
 * queue (no attempt, no failure, no warning), taken the moment a slot frees on any worker of the fleet.
 */
export function profileSlotGate(slots: ProfileSlots): CustomSlotSupplier<ActivitySlotInfo> {
  let reserved = 0;
  const waiting = new Set<() => void>();
  const hasRoom = () => slots.available() - reserved > 0;
  const wake = () => {
    for (const waiter of [...waiting]) waiter();
  };
  slots.onFree(wake);
  return {
    type: 'custom',
    reserveSlot(_ctx, abortSignal): Promise<SlotPermit> {
      return new Promise((resolve, reject) => {
        const attempt = () => {
          if (abortSignal.aborted) {
            waiting.delete(attempt);
            reject(abortSignal.reason as Error); // the SDK expects its own reason back
            return;
          }
          if (!hasRoom()) return;
          waiting.delete(attempt);
          reserved += 1;
          resolve({});
        };
        abortSignal.addEventListener('abort', attempt, { once: true });
        waiting.add(attempt);
        attempt();
      });
    },
    tryReserveSlot() {
      if (!hasRoom()) return null;
      reserved += 1;
      return {};
    },
    markSlotUsed: () => undefined,
    releaseSlot() {
      reserved -= 1;
      wake();
    },
  };
}
