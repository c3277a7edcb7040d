// GET /v1/kpis: the operators' KPIs per UTC day and over the range (README "KPIs").
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { kpis } from '../../db/kpis';
import { SEGMENTS } from '../../domain/segments';
import { InvalidInputError } from '../../domain/errors';
import { allow, customerScope } from '../auth';
import { parse } from '../errors';

/** Longest range one request may ask for, in days (inclusive). */
export const MAX_KPI_DAYS = 366;
export const DEFAULT_KPI_DAYS = 30;
const DAY_MS = 86_400_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real day: 2026-02-30 is not one. */
const isCalendarDay = (v: string) => {
  const t = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(v);
};

// A calendar day or an instant; either way the UTC day it falls on.
const day = z
  .string()
  .max(40)
  .refine((v) => (DATE.test(v) ? isCalendarDay(v) : z.iso.datetime({ offset: true }).safeParse(v).success), 'must be an ISO date (YYYY-MM-DD) or date-time')
  .transform((v) => new Date(DATE.test(v) ? `${v}T00:00:00Z` : v).toISOString().slice(0, 10));

export const KpiQuerySchema = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  segment: z.enum(SEGMENTS.map((d) => d.id) as [string, ...string[]]).optional(),
});

export function createKpisRouter({ db }: { db: Db }) {
  const router = Router();
  router.get('/', allow('operator'), async (req, res) => {
    const q = parse(KpiQuerySchema, req.query, 'query');
    const to = q.to ?? new Date().toISOString().slice(0, 10);
    const from = q.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_KPI_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    const span = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (span < 1) throw new InvalidInputError('invalid query', [{ field: 'to', reason: 'must not be before from' }]);
    if (span > MAX_KPI_DAYS) throw new InvalidInputError('invalid query', [{ field: q.from ? 'from' : 'to', reason: `the range may span at most ${MAX_KPI_DAYS} days` }]);
    res.json(await kpis(db, { from, to, segment: q.segment, customerIds: customerScope(res) }));
  });
  return router;
}
