// Webhooks: where a delivery may go (target rules, egress), how it is sent (delivery) and how it is signed.
export * from './delivery';
export * from './egress';
export * from './signature';
export * from './target-rules';
