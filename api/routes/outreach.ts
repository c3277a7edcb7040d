// Operator views of outreach: the outbox (what would have been sent without credentials) and KPIs.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { outreachKpis } from '../../db/outreach';
import { listOutbox } from '../../integrations/outbox';
import { allow, principalOf, scoped } from '../auth';
import { parse } from '../errors';
import { seesSurveyLinks, withoutSurveyLinks } from '../redact';

const OutboxQuery = z.strictObject({
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function createOutreachRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/outbox', allow('operator'), async (req, res) => {
    const q = scoped(res, parse(OutboxQuery, req.query, 'query'));
    const items = await listOutbox(db, q);
    res.json({ items: seesSurveyLinks(principalOf(res)) ? items : withoutSurveyLinks(items), nextCursor: null });
  });
  router.get('/outreach/kpis', allow('operator'), async (_req, res) => {
    res.json(await outreachKpis(db));
  });
  return router;
}
