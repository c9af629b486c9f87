// MLX launcher API: response schemas and the HTTP client.
export * from './envelope';
export * from './launcher-client';
