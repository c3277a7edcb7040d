import { Router } from 'express';
import type { Db } from '../../db';
import { openAlertsOf } from '../../db/alerts';
import { loadJourneySnapshot } from '../../db/customers';
import { listOutreach } from '../../db/outreach';
import { listCustomerSignals } from '../../db/signals';
import { getProfile, putProfile, type CustomerProfile } from '../../db/profiles';
import type { AuditEvent, AuditTrail } from '../../db/audit';
import { ConflictError } from '../../domain/errors';
import { DEFAULT_CONSENTS } from '../../domain/consent';
import { allow, assertCustomerAccess, customerScope, principalOf } from '../auth';
import { evaluateSegment, listCustomers, segmentOf } from '../../db/segments';
import { segmentChanged } from '../../domain/messages';
import { SEGMENTS } from '../../domain/segments';
import { RISK_TIERS } from '../../domain/types';
import { z } from 'zod';
import { parse } from '../errors';
import { seesSurveyLinks, withoutSurveyLinks } from '../redact';
import { CustomerProfileSchema } from '../outreach-schemas';
import { NotFoundError } from '../../domain/errors';
import { isCustomerId } from '../../domain/ids';
import type { ErasureResult } from '../erasure';
import type { JourneyGateway } from '../journeys';

const CustomerListQuery = z.strictObject({
  segment: z.enum(SEGMENTS.map((d) => d.id) as [string, ...string[]]).optional(),
  tier: z.enum(RISK_TIERS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

const CustomerSignalsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export function createCustomersRouter({
  db,
  journeys,
  audit,
  erase,
}: {
  db: Db;
  journeys: JourneyGateway;
  audit: AuditTrail;
  erase: (customerId: string, actor: string) => Promise<ErasureResult | null>;
}) {
  const router = Router();

  // Customers by risk segment and tier, in id order (a key limited to customers sees only those).
  router.get('/', allow('operator'), async (req, res) => {
    const { limit, cursor, ...filter } = parse(CustomerListQuery, req.query, 'query');
    res.json(await listCustomers(db, { ...filter, ...(customerScope(res) ? { customerIds: customerScope(res) } : {}) }, limit, cursor));
  });

  // The live risk profile comes from the running journey; an idle customer's from its last snapshot.
  router.get('/:id', allow('operator'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    const workflowId = journeys.workflowIdOf(customerId);
    const signals = await db('signals').where({ customer_id: customerId }).count({ n: '*' }).first();
    const profile = await getProfile(db, customerId);
    // The database decides whether the customer exists (an erased one does not, whatever a
    // terminated workflow still holds in a worker's memory).
    if (!Number(signals?.n) && !profile) throw new NotFoundError('customer', customerId);
    const live = await journeys.riskProfile(workflowId);
    const snapshot = live ? null : await loadJourneySnapshot(db, customerId);
    res.json({
      id: customerId,
      workflowId,
      profile,
      segment: await segmentOf(db, customerId),
      journeyRunning: live !== null,
      signalCount: Number(signals?.n ?? 0),
      openAlerts: await openAlertsOf(db, customerId),
      riskProfile: live ?? (snapshot?.last ? { ...snapshot.last, signalsProcessed: snapshot.signalsProcessed } : null),
    });
  });

  // The contact profile (a CRM or an operator keeps it); STOP opt-outs survive it.
  router.put('/:id', allow('admin'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    if (!isCustomerId(customerId)) throw new NotFoundError('customer', customerId);
    const b = parse(CustomerProfileSchema, req.body);
    try {
      const { profile, created, judged } = await db.transaction(async (trx) => {
        // The row (when there is one) is locked, so the audit records the change against what it replaced.
        const before = (await trx('customers').where({ id: customerId }).forUpdate().first('id')) ? await getProfile(trx, customerId) : null;
        const written = await putProfile(trx, customerId, {
          externalId: b.externalId ?? null,
          name: b.name ?? null,
          phone: b.phone ?? null,
          email: b.email ?? null,
          locale: b.locale ?? null,
          timeZone: b.timeZone ?? null,
          jurisdiction: b.jurisdiction ?? null,
          customerType: b.customerType ?? null,
          consents: b.consents ?? DEFAULT_CONSENTS,
          consentSource: b.consentSource ?? `api-key:${principalOf(res).name}`,
        });
        // Jurisdiction and customer type are segment criteria: judge the segment again.
        const judged = await evaluateSegment(trx, customerId);
        await audit.record(trx, [...profileAuditEvents(principalOf(res).name, customerId, before, written.profile), ...judged.events]);
        return { ...written, judged, profile: (await getProfile(trx, customerId))! };
      });
      // A running journey's search attribute follows (no journey, or an ended one: nothing to tell).
      if (judged.changed) await journeys.signalWorkflow(journeys.workflowIdOf(customerId), segmentChanged, judged.segment);
      res.status(created ? 201 : 200).json(profile);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new ConflictError('conflict', `externalId ${b.externalId} belongs to another customer`, [{ field: 'externalId', reason: 'already used by another customer' }]);
      }
      throw err;
    }
  });

  // Erasure (right to be forgotten): admin only; a second DELETE answers as the first did.
  router.delete('/:id', allow('admin'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    if (!isCustomerId(customerId)) throw new NotFoundError('customer', customerId);
    const result = await erase(customerId, principalOf(res).name);
    if (!result) throw new NotFoundError('customer', customerId);
    res.status(200).json({ status: 'erased', ...result });
  });

  // The newest signals with their analyses, oldest first: the risk score over time (the console's chart).
  router.get('/:id/signals', allow('operator'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    const { limit } = parse(CustomerSignalsQuery, req.query, 'query');
    const items = await listCustomerSignals(db, customerId, limit);
    if (items.length === 0 && !(await getProfile(db, customerId))) throw new NotFoundError('customer', customerId);
    res.json({ items, nextCursor: null });
  });

  // Messages sent (or recorded in the outbox), their status and survey link, the answer and the outcome.
  router.get('/:id/outreach', allow('operator'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    const items = await listOutreach(db, customerId);
    if (items.length === 0 && !(await getProfile(db, customerId))) throw new NotFoundError('customer', customerId);
    res.json({ items: seesSurveyLinks(principalOf(res)) ? items : withoutSurveyLinks(items), nextCursor: null });
  });

  return router;
}

const PROFILE_FIELDS = ['externalId', 'name', 'phone', 'email', 'locale', 'timeZone'] as const;

/** Which fields changed (their names, never their values) and the consents before and after. */
function profileAuditEvents(actor: string, customerId: string, before: CustomerProfile | null, after: CustomerProfile): AuditEvent[] {
  const fields = PROFILE_FIELDS.filter((f) => (before?.[f] ?? null) !== after[f]);
  const events: AuditEvent[] = [{ actor, action: 'profile.changed', customerId, data: { created: before === null, fields } }];
  const was = (before?.consents ?? {}) as Record<string, boolean>;
  const now = after.consents as Record<string, boolean>;
  const purposes = Object.keys(now).filter((k) => before === null || was[k] !== now[k]);
  if (purposes.length) {
    const pick = (c: Record<string, boolean>) => Object.fromEntries(purposes.map((k) => [k, c[k] ?? null]));
    events.push({ actor, action: 'consent.changed', customerId, data: { purposes, from: before ? pick(was) : null, to: pick(now) } });
  }
  return events;
}
