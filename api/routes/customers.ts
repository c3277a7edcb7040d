import { Router } from 'express';
import type { Db } from '../../db';
import { openAlertsOf } from '../../db/alerts';
import { loadJourneySnapshot } from '../../db/customers';
import { listOutreach } from '../../db/outreach';
import { getProfile, putProfile } from '../../db/profiles';
import { ConflictError } from '../../domain/errors';
import { allow, assertCustomerAccess, principalOf } from '../auth';
import { parse } from '../errors';
import { seesSurveyLinks, withoutSurveyLinks } from '../redact';
import { CustomerProfileSchema } from '../outreach-schemas';
import { NotFoundError } from '../../domain/errors';
import { isCustomerId } from '../../domain/ids';
import { journeyWorkflowId } from '../../domain/messages';
import type { JourneyGateway } from '../journeys';

export function createCustomersRouter({ db, journeys }: { db: Db; journeys: JourneyGateway }) {
  const router = Router();

  // The live risk profile comes from the running journey; an idle customer's from its last snapshot.
  router.get('/:id', allow('operator'), async (req, res) => {
    const customerId = req.params.id;
    assertCustomerAccess(res, customerId, 'id');
    const workflowId = journeyWorkflowId(customerId);
    const live = await journeys.riskProfile(workflowId);
    const signals = await db('signals').where({ customer_id: customerId }).count({ n: '*' }).first();
    const profile = await getProfile(db, customerId);
    if (!live && !Number(signals?.n) && !profile) throw new NotFoundError('customer', customerId);
    const snapshot = live ? null : await loadJourneySnapshot(db, customerId);
    res.json({
      id: customerId,
      workflowId,
      profile,
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
      const { profile, created } = await putProfile(db, customerId, {
        externalId: b.externalId ?? null,
        name: b.name ?? null,
        phone: b.phone ?? null,
        email: b.email ?? null,
        locale: b.locale ?? null,
        timeZone: b.timeZone ?? null,
        consents: b.consents ?? { sms: false, email: false, analysis: true },
      });
      res.status(created ? 201 : 200).json(profile);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new ConflictError('conflict', `externalId ${b.externalId} belongs to another customer`, [{ field: 'externalId', reason: 'already used by another customer' }]);
      }
      throw err;
    }
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
