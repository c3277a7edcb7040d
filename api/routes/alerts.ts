import { Router } from 'express';
import type { Db } from '../../db';
import { changeAlertStatus, countAlerts, getAlert, listAlerts } from '../../db/alerts';
import type { AlertAction } from '../../domain/lifecycle';
import { NotFoundError } from '../../domain/errors';
import { parse } from '../errors';
import type { JourneyGateway } from '../journeys';
import { AlertActionSchema, AlertCountsQuerySchema, AlertQuerySchema } from '../schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAlertsRouter({ db, journeys }: { db: Db; journeys: JourneyGateway }) {
  const router = Router();
  // Alert ids are UUIDs; anything else cannot exist.
  router.param('id', (_req, _res, next, id: string) => {
    next(UUID.test(id) ? undefined : new NotFoundError('alert', id));
  });

  router.get('/', async (req, res) => {
    const { limit, cursor, ...filter } = parse(AlertQuerySchema, req.query, 'query');
    res.json(await listAlerts(db, filter, limit, cursor));
  });

  router.get('/counts', async (req, res) => {
    res.json(await countAlerts(db, parse(AlertCountsQuerySchema, req.query, 'query')));
  });

  router.get('/:id', async (req, res) => {
    res.json(await getAlert(db, req.params.id));
  });

  for (const action of ['acknowledge', 'resolve'] as AlertAction[]) {
    router.post(`/:id/${action}`, async (req, res) => {
      const { actor, note } = parse(AlertActionSchema, req.body ?? {});
      const alert = await changeAlertStatus(db, req.params.id, action, actor, note ?? null);
      await journeys.notifyAlertStatus(alert.workflowId, alert.id, alert.status);
      res.json(alert);
    });
  }

  return router;
}
