// Customers' contact profiles and SMS opt-out.
import type { Db } from '.';
import type { CustomerType } from '../domain/segments';
import { DEFAULT_CONSENTS, PURPOSES, type ConsentRecord, type Consents, type Purpose } from '../domain/consent';
import type { ContactProfile } from '../domain/outreach';

export interface CustomerProfile {
  id: string;
  externalId: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  locale: string | null;
  timeZone: string | null;
  jurisdiction: string | null;
  customerType: CustomerType | null;
  consents: Consents;
  /** Per purpose: the latest decision, where it came from and when. */
  consentDetails: Partial<Record<Purpose, ConsentRecord>>;
  smsOptedOutAt: string | null;
  updatedAt: string | null;
  /** The risk segment, the criteria version that put the customer there, and when. */
  segment: { id: string; version: string; at: string } | null;
}

export type ProfileInput = Omit<CustomerProfile, 'id' | 'smsOptedOutAt' | 'updatedAt' | 'consentDetails' | 'segment'> & {
  /** Where these consents come from (a CRM, a web form, a call); recorded per purpose that changed. */
  consentSource: string;
};

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

function fromRow(r: Record<string, any>): CustomerProfile {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    locale: r.locale,
    timeZone: r.time_zone,
    jurisdiction: r.jurisdiction ?? null,
    customerType: r.customer_type ?? null,
    consents: { ...DEFAULT_CONSENTS, ...(r.consents ?? {}) },
    consentDetails: r.consent_details ?? {},
    smsOptedOutAt: iso(r.sms_opted_out_at),
    updatedAt: iso(r.profile_updated_at),
    segment: r.segment ? { id: r.segment, version: r.segment_version, at: iso(r.segment_at)! } : null,
  };
}

export const contactOf = (p: CustomerProfile): ContactProfile => ({
  phone: p.phone,
  email: p.email,
  consents: p.consents,
  smsOptedOut: p.smsOptedOutAt !== null,
});

export async function getProfile(db: Db, customerId: string): Promise<CustomerProfile | null> {
  return profileOfRow(await db('customers').where({ id: customerId }).first());
}

/** The profile in a customers row (its columns, or the row as jsonb); null when the row is none. */
export function profileOfRow(row: Record<string, any> | null | undefined): CustomerProfile | null {
  // A row the platform made itself (a journey's memory, a segment) is not a profile.
  return row && (row.profile_updated_at || row.external_id) ? fromRow(row) : null;
}

/** Replaces the profile (PUT); the STOP opt-out is kept, only UNSTOP lifts it. */
export async function putProfile(db: Db, customerId: string, p: ProfileInput): Promise<{ profile: CustomerProfile; created: boolean }> {
  const cols = {
    external_id: p.externalId,
    name: p.name,
    phone: p.phone,
    email: p.email,
    locale: p.locale,
    time_zone: p.timeZone,
    jurisdiction: p.jurisdiction,
    customer_type: p.customerType,
    consents: JSON.stringify(p.consents),
    profile_updated_at: db.fn.now(),
  };
  return db.transaction(async (trx) => {
    const existed = await trx('customers').where({ id: customerId }).forUpdate().first('id', 'consents', 'consent_details', 'profile_updated_at');
    const before: Consents = { ...DEFAULT_CONSENTS, ...(existed?.consents ?? {}) };
    const details: Partial<Record<Purpose, ConsentRecord>> = { ...(existed?.consent_details ?? {}) };
    const at = new Date().toISOString();
    for (const purpose of PURPOSES) {
      if (!details[purpose] || before[purpose] !== p.consents[purpose]) details[purpose] = { granted: p.consents[purpose], source: p.consentSource, at };
    }
    const [row] = await trx('customers')
      .insert({ id: customerId, ...cols, consent_details: JSON.stringify(details) })
      .onConflict('id')
      .merge({ ...cols, consent_details: JSON.stringify(details), updated_at: db.fn.now() })
      .returning('*');
    // Created: the customer had no profile yet (a row may exist already, from their signals).
    return { profile: fromRow(row), created: !existed?.profile_updated_at };
  });
}

/** The customer's consents; a customer without a profile has the defaults. */
export async function consentsOf(db: Db, customerId: string): Promise<Consents> {
  const row = await db('customers').where({ id: customerId }).first('consents');
  return { ...DEFAULT_CONSENTS, ...(row?.consents ?? {}) };
}

export async function customersByPhone(db: Db, phone: string): Promise<CustomerProfile[]> {
  return (await db('customers').where({ phone })).map(fromRow);
}

export async function customerByExternalId(db: Db, externalId: string): Promise<CustomerProfile | null> {
  const row = await db('customers').where({ external_id: externalId }).first();
  return row ? fromRow(row) : null;
}

/** STOP: immediately, for every customer with this number. Returns the customers affected. */
export async function setSmsOptOut(db: Db, phone: string, optedOut: boolean): Promise<string[]> {
  const rows = await db('customers')
    .where({ phone })
    .update({ sms_opted_out_at: optedOut ? db.raw('coalesce(sms_opted_out_at, now())') : null, updated_at: db.fn.now() })
    .returning('id');
  return rows.map((r: { id: string }) => r.id);
}
