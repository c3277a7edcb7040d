// Pseudonyms: stable stand-ins for customer ids where no personal data may go (the audit trail).
// Keyed (HMAC-SHA256 with PSEUDONYM_SECRET), so nobody without the secret can test a guessed id
// against them. Uses node:crypto: for the API and activities, never for workflows/.
import { createHmac } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** `p_` and 26 base32 characters (130 bits) of HMAC-SHA256(secret, customerId). */
export function pseudonymOf(secret: string, customerId: string): string {
  return `p_${base32(createHmac('sha256', secret).update(customerId, 'utf8').digest()).slice(0, 26)}`;
}

/** The same for another kind of identifier that may contain a customer id (a signal id, an outreach id). */
export function referenceOf(secret: string, kind: string, id: string): string {
  return `${kind}_${base32(createHmac('sha256', secret).update(`${kind}\u0000${id}`, 'utf8').digest()).slice(0, 26)}`;
}

export const PSEUDONYM = /^p_[a-z2-7]{26}$/;
