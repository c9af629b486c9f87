// MLX launcher and cloud API: response schemas, transport, tokens and the clients.
export * from './envelope';
export * from './http';
export * from './transport';
export * from './cloud-client';
export * from './token-source';
export * from './launcher-client';
export * from './auth';
