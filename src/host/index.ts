// What this worker's machine holds: its own task queue and the slots of the profiles it has open.
export * from './profile-slots';
export * from './task-queue';
