import { Router } from 'express';
import type { Db } from '../../db';
import { openAlertsOf } from '../../db/alerts';
import { loadJourneySnapshot } from '../../db/customers';
import { NotFoundError } from '../../domain/errors';
import { journeyWorkflowId } from '../../domain/messages';
import type { JourneyGateway } from '../journeys';

export function createCustomersRouter({ db, journeys }: { db: Db; journeys: JourneyGateway }) {
  const router = Router();

  // The live risk profile comes from the running journey; an idle customer's from its last snapshot.
  router.get('/:id', async (req, res) => {
    const customerId = req.params.id;
    const workflowId = journeyWorkflowId(customerId);
    const live = await journeys.riskProfile(workflowId);
    const signals = await db('signals').where({ customer_id: customerId }).count({ n: '*' }).first();
    if (!live && !Number(signals?.n)) throw new NotFoundError('customer', customerId);
    const snapshot = live ? null : await loadJourneySnapshot(db, customerId);
    res.json({
      id: customerId,
      workflowId,
      journeyRunning: live !== null,
      signalCount: Number(signals?.n ?? 0),
      openAlerts: await openAlertsOf(db, customerId),
      riskProfile: live ?? (snapshot?.last ? { ...snapshot.last, signalsProcessed: snapshot.signalsProcessed } : null),
    });
  });

  return router;
}
