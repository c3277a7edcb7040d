// Fans alert events out to server-sent-event subscribers. One database listener per API process,
// whatever the number of clients; a client costs a session and a filter, nothing buffered.
import pg from 'pg';
import type { Session } from 'better-sse';
import type { Db } from '../db';
import { alertFromRow, type Alert, type AlertFilter } from '../db/alerts';
import type { Logger } from './logger';

export interface AlertEvent {
  id: number;
  action: string;
  actor: string;
  note: string | null;
  at: string;
  alert: Alert;
}

interface Subscriber {
  session: Session;
  filter: AlertFilter;
  lastSent: number;
  /** Live events that arrive while the subscriber catches up from Last-Event-ID. */
  pending: AlertEvent[] | null;
}

const GAP_TTL_MS = 30_000; // an id skipped by a later commit is looked for this long
const POLL_MS = 2000; // safety net should a notification be missed
const PAGE = 1000;

export function matches(f: AlertFilter, a: Alert): boolean {
  return (!f.customerIds || (a.customerId !== null && f.customerIds.includes(a.customerId))) && (!f.status || a.status === f.status) && (!f.type || a.type === f.type) && (!f.severity || a.severity === f.severity) && (!f.customerId || a.customerId === f.customerId);
}

export class AlertFeed {
  private readonly subscribers = new Set<Subscriber>();
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSeen = 0;
  /** Ids below lastSeen not seen yet: their transactions may still commit (ids are taken before commit). */
  private readonly gaps = new Map<number, number>();
  private fetching: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: { db: Db; databaseUrl: string | undefined; log: Logger }) {}

  get size(): number {
    return this.subscribers.size;
  }

  async subscribe(session: Session, filter: AlertFilter, lastEventId: number | null): Promise<void> {
    await this.start();
    const sub: Subscriber = { session, filter, lastSent: lastEventId ?? this.lastSeen, pending: lastEventId === null ? null : [] };
    this.subscribers.add(sub);
    session.once('disconnected', () => this.subscribers.delete(sub));
    if (lastEventId === null) return;
    for (const e of await this.eventsAfter(lastEventId, 10_000)) this.deliver(sub, e);
    const pending = sub.pending ?? [];
    sub.pending = null;
    for (const e of pending) this.deliver(sub, e);
  }

  /**
   * Whether a client may resume from `lastEventId`: it must be an id this stream gave out (not
   * beyond the newest event) and not more than `maxReplay` events behind. Returns why not, or null.
   */
  async replayProblem(lastEventId: number, maxReplay: number): Promise<string | null> {
    const newest = Number((await this.deps.db('alert_events').max({ id: 'id' }).first())?.id ?? 0);
    if (lastEventId > newest) return 'is beyond the newest event of this stream';
    const behind = await this.deps.db('alert_events').where('id', '>', lastEventId).orderBy('id').limit(maxReplay + 1).select('id');
    if (behind.length > maxReplay) return `is more than ${maxReplay} events behind; reconnect without Last-Event-ID and page GET /v1/alerts for what you missed`;
    return null;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => undefined);
    await this.fetching;
  }

  private async start(): Promise<void> {
    if (this.timer) return;
    const last = await this.deps.db('alert_events').max({ id: 'id' }).first();
    this.lastSeen = Number(last?.id ?? 0);
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
    if (!this.deps.databaseUrl) return;
    try {
      const client = new pg.Client({ connectionString: this.deps.databaseUrl });
      client.on('notification', () => this.poll());
      client.on('error', (err) => this.deps.log.warn({ err }, 'alert feed listener failed; polling only'));
      await client.connect();
      await client.query('LISTEN alert_events');
      this.listener = client;
    } catch (err) {
      this.deps.log.warn({ err }, 'alert feed cannot LISTEN; polling only');
    }
  }

  private poll(): void {
    if (this.fetching) {
      this.again = true;
      return;
    }
    this.fetching = this.fetch()
      .catch((err) => this.deps.log.warn({ err }, 'alert feed fetch failed'))
      .finally(() => {
        this.fetching = undefined;
        if (this.again) {
          this.again = false;
          this.poll();
        }
      });
  }

  private async fetch(): Promise<void> {
    const now = Date.now();
    for (const [id, since] of this.gaps) if (now - since > GAP_TTL_MS) this.gaps.delete(id);
    const fresh = await this.eventsAfter(this.lastSeen, PAGE);
    const late = this.gaps.size ? await this.eventsWithIds([...this.gaps.keys()]) : [];
    for (const e of [...late, ...fresh].sort((a, b) => a.id - b.id)) {
      const isLate = e.id <= this.lastSeen;
      if (isLate && !this.gaps.delete(e.id)) continue;
      if (!isLate) {
        for (let missing = this.lastSeen + 1; missing < e.id; missing++) this.gaps.set(missing, now);
        this.lastSeen = e.id;
      }
      for (const sub of this.subscribers) {
        if (sub.pending) sub.pending.push(e);
        else this.deliver(sub, e, isLate);
      }
    }
    if (fresh.length === PAGE) this.again = true;
  }

  private deliver(sub: Subscriber, e: AlertEvent, late = false): void {
    if ((!late && e.id <= sub.lastSent) || !matches(sub.filter, e.alert)) return;
    sub.lastSent = Math.max(sub.lastSent, e.id);
    sub.session.push(e, `alert.${e.action}`, String(e.id));
  }

  private eventsAfter(id: number, limit: number): Promise<AlertEvent[]> {
    return this.events('id > ? ORDER BY id LIMIT ?', [id, limit]);
  }

  private eventsWithIds(ids: number[]): Promise<AlertEvent[]> {
    return this.events('id = ANY(?::bigint[])', [ids]);
  }

  /**
   * The events `pick` selects (the clauses after WHERE), each with its alert. The alert is looked up by primary key per event
   * (the OFFSET 0 keeps the planner from turning the lookup into a join of its choosing): a wake-up
   * reads a handful of events, and with statistics that lag a fast-growing table the planner chose a
   * hash join over every alert instead, 10–17 ms a wake-up (auto_explain, bench 2026-12-03).
   */
  private async events(pick: string, bindings: unknown[]): Promise<AlertEvent[]> {
    const { rows } = await this.deps.db.raw(
      `SELECT a.*, e.id AS event_id, e.action AS event_action, e.actor AS event_actor, e.note AS event_note, e.at AS event_at
         FROM (SELECT * FROM alert_events WHERE ${pick}) e
         CROSS JOIN LATERAL (SELECT * FROM alerts WHERE alerts.id = e.alert_id OFFSET 0) a
        ORDER BY e.id`,
      bindings as any[],
    );
    return (rows as Record<string, any>[]).map((r) => ({
      id: Number(r.event_id),
      action: r.event_action,
      actor: r.event_actor,
      note: r.event_note,
      at: new Date(r.event_at).toISOString(),
      alert: alertFromRow(r),
    }));
  }
}
