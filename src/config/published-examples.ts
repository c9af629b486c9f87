/**
 * Secrets this repository once shipped as examples (the compose stack's webhook secret and payload
 * key): known to everyone who read it, so refused as settings. Kept as SHA-256 digests.
 */
import { createHash } from 'node:crypto';

const PUBLISHED = new Set([
  'a8ace25d5c95f567ab4bdc0fd86fe26271d4b94df7e16590831150a9e7fe468b',
  'c5bb7771b517f1bd192d1b83c0a9628bf2a2b19cae59ab8f295988df94e6a746',
]);

export function isPublishedExample(secret: string): boolean {
  return PUBLISHED.has(createHash('sha256').update(secret).digest('hex'));
}
