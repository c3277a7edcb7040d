// The operators' KPIs (GET /v1/kpis): per UTC day and over the whole range, optionally for one
// risk segment and always within the customers a key may see. Each figure is one grouped query;
// the totals run the same queries without the day, so a mean over the range is a true mean, not a
// mean of daily means. Definitions are in README "KPIs".
import type { Db } from '.';
import { RISK_TIERS, type RiskTier } from '../domain/types';

export interface KpiFilter {
  /** First and last UTC day, inclusive, as YYYY-MM-DD. */
  from: string;
  to: string;
  /** Customers whose current risk segment is this one. */
  segment?: string;
  /** Only these customers (a key limited to them); undefined: everyone. */
  customerIds?: readonly string[];
}

export interface KpiFigures {
  negativeSignals: number;
  alertsFired: number;
  meanMinutesToAcknowledge: number | null;
  meanMinutesToResolve: number | null;
  surveysAnswered: number;
  /** Percent of answers scoring 7 or more. */
  csat: number | null;
  /** Percent promoters (9–10) minus percent detractors (0–6). */
  nps: number | null;
  /** Distinct customers an outreach started for that day sent a message to. */
  atRiskCustomers: number;
  /** … of them, those who answered that outreach's survey (whenever they answered). */
  engagedAtRisk: number;
  engagementRate: number | null;
  /** Outreaches that ended that day with this outcome. */
  recovered: number;
  churned: number;
}

export type KpiDay = KpiFigures & { day: string };

export interface Kpis {
  from: string;
  to: string;
  segment: string | null;
  totals: KpiFigures & { outreachesEnded: number; recoveryRate: number | null; churnRate: number | null };
  days: KpiDay[];
  openAlerts: { total: number; byType: Record<string, number>; bySeverity: Record<string, number> };
  riskTiers: Record<RiskTier, number>;
}

const DAY_MS = 86_400_000;
const dayOf = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** Every UTC day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export async function kpis(db: Db, f: KpiFilter): Promise<Kpis> {
  const start = new Date(`${f.from}T00:00:00Z`);
  const end = new Date(Date.parse(`${f.to}T00:00:00Z`) + DAY_MS);

  // Who counts: the segment's customers and the key's. Window alerts (no customer) count only unfiltered.
  const who = (col: string) => {
    const parts: string[] = [];
    const params: string[] = [];
    if (f.segment !== undefined) {
      parts.push(`${col} IN (SELECT id FROM customers WHERE segment = ?)`);
      params.push(f.segment);
    }
    if (f.customerIds) {
      // As JSON: knex would spread an array into a list of placeholders.
      parts.push(`${col} IN (SELECT jsonb_array_elements_text(?::jsonb))`);
      params.push(JSON.stringify(f.customerIds));
    }
    return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
  };

  // One query per figure family; `bucket` is the day expression, or a constant for the totals.
  const figures = async (byDay: boolean) => {
    const g = (col: string) => (byDay ? dayOf(col) : `'total'`);
    const run = async (sql: string, col: string, customerCol: string) => {
      const w = who(customerCol);
      const { rows } = await db.raw(sql.replace('$D', g(col)).replace('$W', w.sql), [start, end, ...w.params]);
      return new Map<string, Record<string, any>>(rows.map((r: Record<string, any>) => [r.d, r]));
    };
    const [negative, alerts, surveys, engagement, outcomes] = await Promise.all([
      run(
        `SELECT $D AS d, count(*)::int AS n FROM signals s JOIN analyses a ON a.signal_id = s.id
          WHERE a.label = 'negative' AND s.occurred_at >= ? AND s.occurred_at < ?$W GROUP BY 1`,
        's.occurred_at',
        's.customer_id',
      ),
      // Acknowledged is the first human response: a resolve straight from active counts as one.
      run(
        `SELECT $D AS d, count(*)::int AS fired,
                avg(extract(epoch FROM coalesce(acknowledged_at, resolved_at) - created_at)) / 60 AS ack,
                avg(extract(epoch FROM resolved_at - created_at)) / 60 AS res
           FROM alerts WHERE created_at >= ? AND created_at < ?$W GROUP BY 1`,
        'created_at',
        'customer_id',
      ),
      run(
        `SELECT $D AS d, count(*)::int AS answered,
                count(*) FILTER (WHERE survey_score >= 7)::int AS satisfied,
                count(*) FILTER (WHERE survey_score >= 9)::int AS promoters,
                count(*) FILTER (WHERE survey_score <= 6)::int AS detractors
           FROM outreaches WHERE answered_at >= ? AND answered_at < ?$W GROUP BY 1`,
        'answered_at',
        'customer_id',
      ),
      run(
        `SELECT $D AS d, count(DISTINCT o.customer_id)::int AS contacted,
                count(DISTINCT o.customer_id) FILTER (WHERE o.survey_score IS NOT NULL)::int AS engaged
           FROM outreaches o
          WHERE o.started_at >= ? AND o.started_at < ?$W
            AND EXISTS (SELECT 1 FROM outreach_messages m WHERE m.outreach_id = o.id)
          GROUP BY 1`,
        'o.started_at',
        'o.customer_id',
      ),
      run(
        `SELECT $D AS d, count(*)::int AS ended,
                count(*) FILTER (WHERE outcome = 'recovered')::int AS recovered,
                count(*) FILTER (WHERE outcome = 'churned')::int AS churned
           FROM outreaches WHERE status = 'completed' AND ended_at >= ? AND ended_at < ?$W GROUP BY 1`,
        'ended_at',
        'customer_id',
      ),
    ]);
    return (d: string) => {
      const a = alerts.get(d);
      const s = surveys.get(d);
      const e = engagement.get(d);
      const o = outcomes.get(d);
      const answered = s?.answered ?? 0;
      const contacted = e?.contacted ?? 0;
      const engaged = e?.engaged ?? 0;
      const figures: KpiFigures = {
        negativeSignals: negative.get(d)?.n ?? 0,
        alertsFired: a?.fired ?? 0,
        meanMinutesToAcknowledge: num(a?.ack),
        meanMinutesToResolve: num(a?.res),
        surveysAnswered: answered,
        csat: answered ? (100 * s!.satisfied) / answered : null,
        nps: answered ? (100 * (s!.promoters - s!.detractors)) / answered : null,
        atRiskCustomers: contacted,
        engagedAtRisk: engaged,
        engagementRate: ratio(engaged, contacted),
        recovered: o?.recovered ?? 0,
        churned: o?.churned ?? 0,
      };
      return { figures, ended: (o?.ended as number | undefined) ?? 0 };
    };
  };

  const [perDay, total, open, tiers] = await Promise.all([
    figures(true),
    figures(false),
    (async () => {
      const w = who('customer_id');
      const { rows } = await db.raw(`SELECT type, severity, count(*)::int AS n FROM alerts WHERE status <> 'resolved'${w.sql} GROUP BY 1, 2`, w.params);
      return rows as { type: string; severity: string; n: number }[];
    })(),
    (async () => {
      const w = who('id');
      const { rows } = await db.raw(`SELECT risk_tier AS tier, count(*)::int AS n FROM customers WHERE risk_tier IS NOT NULL${w.sql} GROUP BY 1`, w.params);
      return rows as { tier: RiskTier; n: number }[];
    })(),
  ]);

  const t = total('total');
  const openAlerts: Kpis['openAlerts'] = { total: 0, byType: {}, bySeverity: {} };
  for (const r of open) {
    openAlerts.total += r.n;
    openAlerts.byType[r.type] = (openAlerts.byType[r.type] ?? 0) + r.n;
    openAlerts.bySeverity[r.severity] = (openAlerts.bySeverity[r.severity] ?? 0) + r.n;
  }
  const riskTiers = Object.fromEntries(RISK_TIERS.map((tier) => [tier, 0])) as Record<RiskTier, number>;
  for (const r of tiers) if (r.tier in riskTiers) riskTiers[r.tier] = r.n;

  return {
    from: f.from,
    to: f.to,
    segment: f.segment ?? null,
    totals: { ...t.figures, outreachesEnded: t.ended, recoveryRate: ratio(t.figures.recovered, t.ended), churnRate: ratio(t.figures.churned, t.ended) },
    days: daysBetween(f.from, f.to).map((day) => ({ day, ...perDay(day).figures })),
    openAlerts,
    riskTiers,
  };
}
