// What this worker's machine holds: its own task queue, the profiles it has open and their slots.
export * from './open-profiles';
export * from './profile-slots';
export * from './reaper';
export * from './lease-renewal';
export * from './lease-records';
export * from './pending-questions';
