// Signed, expiring survey links: base64url(payload).base64url(HMAC-SHA256(payload)).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SurveyClaims {
  /** The outreach this link belongs to. */
  o: string;
  /** Expiry, epoch seconds. */
  e: number;
}

export function signSurveyToken(secret: string, claims: SurveyClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

export type TokenCheck = { ok: true; claims: SurveyClaims } | { ok: false; reason: 'invalid' | 'expired'; claims?: SurveyClaims };

export function verifySurveyToken(secret: string, token: string, nowMs = Date.now()): TokenCheck {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return { ok: false, reason: 'invalid' };
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
  let claims: SurveyClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof claims?.o !== 'string' || typeof claims?.e !== 'number') return { ok: false, reason: 'invalid' };
  if (claims.e * 1000 <= nowMs) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
