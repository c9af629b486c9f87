// Local launcher: the MLX launcher API served on this machine, with a real Chromium per profile, and its fault switch.
export * from './chromium-process';
export * from './faults';
export * from './http-api';
export * from './profiles';
