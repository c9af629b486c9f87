// Local launcher: the MLX launcher API served on this machine, with a real Chromium per profile.
export * from './server';
export * from './chromium-process';
