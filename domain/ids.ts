// Identifier rules: what a caller may send, and the ids the platform makes itself.
import { createHash } from 'node:crypto';

/** A customer id: what callers send, what a CRM's external id becomes, what a profile path holds. */
export const CUSTOMER_ID = /^[A-Za-z0-9._:@\-]{1,128}$/;
export const CUSTOMER_ID_RULE = 'must be 1-128 characters A-Z, a-z, 0-9, ".", "_", ":", "@" or "-"';
export const isCustomerId = (v: string) => CUSTOMER_ID.test(v);

/** A caller's signal id (idempotency key). It never contains "/", which generated ids always do. */
export const SIGNAL_ID = /^[A-Za-z0-9._:\-]{1,128}$/;
export const SIGNAL_ID_RULE = 'must be 1-128 characters A-Z, a-z, 0-9, ".", "_", ":" or "-"';

const PLAIN_PART = /^[A-Za-z0-9._:@\-]+$/;
const MAX_GENERATED = 200;

/**
 * `<kind>/<part>/<part>…`: no caller's id can look like this, and distinct parts never give the same
 * id. A part that is not plain, or an id that would be too long, becomes `<kind>/~<sha256>` rather
 * than being cut short ("~" is in no plain part, so the two forms cannot meet either).
 */
function generatedId(kind: string, parts: string[]): string {
  const id = [kind, ...parts].join('/');
  if (id.length <= MAX_GENERATED && parts.every((p) => PLAIN_PART.test(p))) return id;
  return `${kind}/~${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

/** The survey_response signal of an outreach's answer (outreach ids are `<customerId>/<seq>`). */
export const surveySignalId = (outreachId: string) => generatedId('survey', outreachId.split('/'));
/** The signal a CRM event becomes. */
export const crmSignalId = (eventId: string) => generatedId('crm', [eventId]);
/** The signal an inbound SMS becomes for one of the customers with that number. */
export const smsSignalId = (messageSid: string, customerId: string) => generatedId('sms', [messageSid, customerId]);
