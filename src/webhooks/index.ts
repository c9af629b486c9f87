// Webhooks: where a delivery may go (egress), how it is sent (delivery) and how it is signed.
export * from './delivery';
export * from './egress';
export * from './signature';
