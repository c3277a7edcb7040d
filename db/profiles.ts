// Customers' contact profiles and SMS opt-out.
import type { Db } from '.';
import type { ContactProfile } from '../domain/outreach';

export interface CustomerProfile {
  id: string;
  externalId: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  locale: string | null;
  timeZone: string | null;
  consents: { sms: boolean; email: boolean; analysis: boolean };
  smsOptedOutAt: string | null;
  updatedAt: string | null;
}

export type ProfileInput = Omit<CustomerProfile, 'id' | 'smsOptedOutAt' | 'updatedAt'>;

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
    consents: { sms: false, email: false, analysis: true, ...(r.consents ?? {}) },
    smsOptedOutAt: iso(r.sms_opted_out_at),
    updatedAt: iso(r.profile_updated_at),
  };
}

export const contactOf = (p: CustomerProfile): ContactProfile => ({
  phone: p.phone,
  email: p.email,
  consents: p.consents,
  smsOptedOut: p.smsOptedOutAt !== null,
});

export async function getProfile(db: Db, customerId: string): Promise<CustomerProfile | null> {
  const row = await db('customers').where({ id: customerId }).first();
  return row ? fromRow(row) : null;
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
    consents: JSON.stringify(p.consents),
    profile_updated_at: db.fn.now(),
  };
  return db.transaction(async (trx) => {
    const existed = await trx('customers').where({ id: customerId }).forUpdate().first('id');
    const [row] = await trx('customers')
      .insert({ id: customerId, ...cols })
      .onConflict('id')
      .merge({ ...cols, updated_at: db.fn.now() })
      .returning('*');
    return { profile: fromRow(row), created: !existed };
  });
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
