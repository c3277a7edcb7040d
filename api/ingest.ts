// The one way signals enter the platform: recorded durably, then handed to the customer's journey.
// Used by POST /v1/signals, the survey, inbound SMS and the CRM webhook.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db';
import { recordSignals, type AcceptStatus, type SignalToRecord } from '../db/signals';
import type { CustomerSignal } from '../domain/types';
import type { JourneyGateway } from './journeys';
import { platformMetrics } from './metrics';
import type { SignalBody } from './schemas';

/** Stable JSON (sorted keys): the same payload always hashes the same. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const payloadHash = (v: unknown) => createHash('sha256').update(canonical(v)).digest('hex');

function toRecord(body: SignalBody, receivedAt: string, workflowIdOf: (customerId: string) => string): SignalToRecord {
  const signal: CustomerSignal = {
    id: body.id ?? randomUUID(),
    customerId: body.customerId,
    type: body.type,
    channel: body.channel ?? null,
    text: body.text ?? null,
    language: body.language ?? null,
    occurredAt: body.occurredAt ? new Date(body.occurredAt).toISOString() : receivedAt,
    location: body.location ?? null,
    rootCause: body.rootCause ?? null,
    analysis: body.analysis ?? null,
    metadata: body.metadata ?? null,
  };
  return { signal, payloadHash: payloadHash(body), workflowId: workflowIdOf(body.customerId) };
}

export type Ingest = (bodies: SignalBody[]) => Promise<{ records: SignalToRecord[]; statuses: AcceptStatus[] }>;

export function createIngest({ db, journeys }: { db: Db; journeys: JourneyGateway }): Ingest {
  return async (bodies) => {
    const now = new Date().toISOString();
    const records = bodies.map((b) => toRecord(b, now, (id) => journeys.workflowIdOf(id)));
    const statuses = await recordSignals(db, records);
    statuses.forEach((outcome, i) => platformMetrics.signals.inc({ type: records[i].signal.type, outcome }));
    // Only newly accepted signals go to Temporal now; duplicates were delivered (or are pending) already.
    journeys.deliverSoon(records.filter((_, i) => statuses[i] === 'accepted'));
    return { records, statuses };
  };
}

/**
 * Single requests that arrive within `windowMs` of each other share one database write (and, after
 * it, the customers' deliveries): under a steady stream of `POST /v1/signals` the API does what the
 * batch endpoint does, with two statements per group instead of per request. A lone request waits
 * at most `windowMs`; a group is written at once when it reaches `maxItems`. Each caller gets its
 * own records and statuses; a failed write fails every request of its group (none was accepted).
 */
export function coalescing(ingest: Ingest, windowMs = 2, maxItems = 500): Ingest {
  type Waiting = { bodies: SignalBody[]; resolve: (r: Awaited<ReturnType<Ingest>>) => void; reject: (err: unknown) => void };
  let group: Waiting[] = [];
  let items = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    const mine = group;
    group = [];
    items = 0;
    if (timer) clearTimeout(timer);
    timer = null;
    ingest(mine.flatMap((w) => w.bodies)).then(
      ({ records, statuses }) => {
        let at = 0;
        for (const w of mine) {
          const n = w.bodies.length;
          w.resolve({ records: records.slice(at, at + n), statuses: statuses.slice(at, at + n) });
          at += n;
        }
      },
      (err) => mine.forEach((w) => w.reject(err)),
    );
  };
  return (bodies) =>
    new Promise((resolve, reject) => {
      group.push({ bodies, resolve, reject });
      items += bodies.length;
      if (items >= maxItems) flush();
      else timer ??= setTimeout(flush, windowMs);
    });
}
