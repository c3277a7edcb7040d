// Operator views of outreach: the outbox (what would have been sent without credentials) and KPIs.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { outreachKpis } from '../../db/outreach';
import { listOutbox } from '../../integrations/outbox';
import { parse } from '../errors';

const OutboxQuery = z.strictObject({
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function createOutreachRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/outbox', async (req, res) => {
    const q = parse(OutboxQuery, req.query, 'query');
    res.json({ items: await listOutbox(db, q), nextCursor: null });
  });
  router.get('/outreach/kpis', async (_req, res) => {
    res.json(await outreachKpis(db));
  });
  return router;
}
