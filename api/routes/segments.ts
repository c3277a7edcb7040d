// GET /v1/segments: the current criteria (documented, versioned), how many customers each holds,
// and the NPS of their survey answers.
import { Router } from 'express';
import type { Db } from '../../db';
import { segmentOverview } from '../../db/segments';
import { allow, customerScope } from '../auth';

export function createSegmentsRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/', allow('operator'), async (_req, res) => {
    res.json(await segmentOverview(db, customerScope(res)));
  });
  return router;
}
