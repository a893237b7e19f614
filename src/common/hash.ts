import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Pseudonymises client addresses and session keys before they are stored:
 * an HMAC with a per-deployment salt, cut to 16 hex characters, so records
 * can be grouped by client or session without keeping the raw value.
 */
export function pseudonym(value: string, salt: string): string {
  return createHmac('sha256', salt).update(value).digest('hex').slice(0, 16);
}

/** FNV-1a, 32 bits (unsigned): fast and stable across processes and restarts. */
export function fnv1a32(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * FNV-1a as a fraction in [0, 1). Used for consistent sampling (the same
 * header value is always mirrored or always not).
 */
export function hashFraction(value: string): number {
  return fnv1a32(value) / 0x1_0000_0000;
}

/** Constant-time compare of digests (so the token's length does not leak either): bearer tokens of admin and metrics ports. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
