// GET /v1/notifications: what reached people (escalation levels, subscribed alert types), newest
// first, with each channel's state: the console's list (README "Notifications").
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { allow, scoped } from '../auth';
import { parse } from '../errors';

export const NotificationsQuerySchema = z.strictObject({
  alertId: z.uuid().optional(),
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const iso = (d: Date | string) => new Date(d).toISOString();

export function createNotificationsRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/', allow('operator'), async (req, res) => {
    const q = scoped(res, parse(NotificationsQuerySchema, req.query, 'query'));
    const rows = await db('notifications')
      .modify((b) => {
        if (q.alertId) b.where({ alert_id: q.alertId });
        if (q.customerId) b.where({ customer_id: q.customerId });
        if (q.customerIds) b.whereIn('customer_id', q.customerIds);
      })
      .orderBy('id', 'desc')
      .limit(q.limit);
    res.json({
      items: rows.map((r: Record<string, any>) => ({
        id: Number(r.id),
        key: r.key,
        alertId: r.alert_id,
        customerId: r.customer_id,
        alertType: r.alert_type,
        severity: r.severity,
        level: r.level,
        recipient: r.recipient,
        text: r.text,
        link: r.link,
        channels: r.channels,
        createdAt: iso(r.created_at),
      })),
      nextCursor: null,
    });
  });
  return router;
}
