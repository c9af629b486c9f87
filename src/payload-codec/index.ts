// Payloads: encryption (AES-256-GCM, rotating keys), the claim-check blob stores for large payloads,
// their retention sweep, and the codec endpoint for the Temporal UI and CLI.
export * from './blob-store';
export * from './codec-server';
export * from './data-converter';
export * from './encryption-codec';
export * from './fs-blob-store';
export * from './key-ring';
export * from './redis-blob-store';
export * from './stored-files';
export * from './sweep';
