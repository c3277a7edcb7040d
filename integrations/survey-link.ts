// Signed, expiring survey links: base64url(payload).base64url(HMAC-SHA256(payload)), bound to one
// outreach (its id and start) and its recipient (the customer).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SurveyClaims {
  /** The outreach this link belongs to. */
  o: string;
  /** Expiry, epoch seconds. */
  e: number;
  /** recipientBinding() of the outreach the link was made for. */
  r: string;
}

/** What a link is bound to, as the outreach row has it. */
export interface SurveyRecipient {
  customerId: string;
  /** The outreach's start: an outreach id reused after erasure is another outreach. */
  startedAt: string;
}

/** A short HMAC over the recipient and the outreach instance; no personal data in the token. */
export function recipientBinding(secret: string, to: SurveyRecipient): string {
  return createHmac('sha256', secret).update(JSON.stringify(['survey-recipient', to.customerId, to.startedAt])).digest('base64url').slice(0, 22);
}

/** Whether verified claims were made for this outreach row (an older token without `r` never is). */
export function isBoundTo(secret: string, claims: SurveyClaims, outreach: SurveyRecipient & { id: string }): boolean {
  if (claims.o !== outreach.id) return false;
  const expected = Buffer.from(recipientBinding(secret, outreach));
  const given = Buffer.from(claims.r);
  return expected.length === given.length && timingSafeEqual(expected, given);
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
  if (typeof claims?.o !== 'string' || typeof claims?.e !== 'number' || typeof claims?.r !== 'string') return { ok: false, reason: 'invalid' };
  if (claims.e * 1000 <= nowMs) return { ok: false, reason: 'expired', claims };
  return { ok: true, claims };
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
