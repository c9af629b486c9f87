// Webhooks: how deliveries to callback_url are signed and verified.
export * from './signature';
