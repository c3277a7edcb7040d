import { Router, type Response } from 'express';
import { mayTouchCustomer } from '../../domain/access';
import { allow, principalOf, scoped } from '../auth';
import type { Db } from '../../db';
import { changeAlertStatus, countAlerts, getAlert, listAlerts } from '../../db/alerts';
import { platformMetrics } from '../metrics';
import type { AuditTrail } from '../../db/audit';
import type { AlertAction } from '../../domain/lifecycle';
import { NotFoundError } from '../../domain/errors';
import { parse } from '../errors';
import type { JourneyGateway } from '../journeys';
import { AlertActionSchema, AlertCountsQuerySchema, AlertQuerySchema } from '../schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAlertsRouter({ db, journeys, audit }: { db: Db; journeys: JourneyGateway; audit: AuditTrail }) {
  const router = Router();
  // Alert ids are UUIDs; anything else cannot exist.
  router.param('id', (_req, _res, next, id: string) => {
    next(UUID.test(id) ? undefined : new NotFoundError('alert', id));
  });

  /** An alert of a customer outside the key's scope (or a window alert, which has none) does not exist for it. */
  async function assertAlertVisible(res: Response, id: string): Promise<void> {
    const p = principalOf(res);
    if (p.customerIds === null) return;
    const row = await db('alerts').where({ id }).first('customer_id');
    if (!row || !mayTouchCustomer(p, row.customer_id)) throw new NotFoundError('alert', id);
  }

  router.get('/', allow('operator'), async (req, res) => {
    const { limit, cursor, ...filter } = parse(AlertQuerySchema, req.query, 'query');
    res.json(await listAlerts(db, scoped(res, filter), limit, cursor));
  });

  router.get('/counts', allow('operator'), async (req, res) => {
    res.json(await countAlerts(db, scoped(res, parse(AlertCountsQuerySchema, req.query, 'query'))));
  });

  router.get('/:id', allow('operator'), async (req, res) => {
    await assertAlertVisible(res, req.params.id);
    res.json(await getAlert(db, req.params.id));
  });

  for (const action of ['acknowledge', 'resolve'] as AlertAction[]) {
    router.post(`/:id/${action}`, allow('operator'), async (req, res) => {
      const { note } = parse(AlertActionSchema, req.body ?? {});
      await assertAlertVisible(res, req.params.id);
      // Who acted is the key's name, whatever the body says.
      const alert = await changeAlertStatus(db, req.params.id, action, principalOf(res).name, note ?? null, audit);
      platformMetrics.alertTransitions.inc({ to: alert.status, type: alert.type, severity: alert.severity });
      await journeys.notifyAlertStatus(alert.workflowId, alert.id, alert.status);
      res.json(alert);
    });
  }

  return router;
}
