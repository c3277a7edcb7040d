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

const LOOKBACK_IDS = 1000; // events committed out of id order within this span are still seen
const POLL_MS = 2000; // safety net should a notification be missed

export function matches(f: AlertFilter, a: Alert): boolean {
  return (!f.status || a.status === f.status) && (!f.type || a.type === f.type) && (!f.severity || a.severity === f.severity) && (!f.customerId || a.customerId === f.customerId);
}

export class AlertFeed {
  private readonly subscribers = new Set<Subscriber>();
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSeen = 0;
  private readonly emitted = new Set<number>();
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
    const events = await this.eventsAfter(Math.max(0, this.lastSeen - LOOKBACK_IDS), 1000);
    for (const e of events) {
      if (this.emitted.has(e.id)) continue;
      this.emitted.add(e.id);
      this.lastSeen = Math.max(this.lastSeen, e.id);
      for (const sub of this.subscribers) {
        if (sub.pending) sub.pending.push(e);
        else this.deliver(sub, e);
      }
    }
    if (this.emitted.size > 4 * LOOKBACK_IDS) {
      for (const id of this.emitted) if (id <= this.lastSeen - LOOKBACK_IDS) this.emitted.delete(id);
    }
  }

  private deliver(sub: Subscriber, e: AlertEvent): void {
    if (e.id <= sub.lastSent || !matches(sub.filter, e.alert)) return;
    sub.lastSent = e.id;
    sub.session.push(e, `alert.${e.action}`, String(e.id));
  }

  private async eventsAfter(id: number, limit: number): Promise<AlertEvent[]> {
    const rows = await this.deps
      .db('alert_events as e')
      .join('alerts as a', 'a.id', 'e.alert_id')
      .where('e.id', '>', id)
      .orderBy('e.id')
      .limit(limit)
      .select('a.*', 'e.id as event_id', 'e.action as event_action', 'e.actor as event_actor', 'e.note as event_note', 'e.at as event_at');
    return rows.map((r: Record<string, any>) => ({
      id: Number(r.event_id),
      action: r.event_action,
      actor: r.event_actor,
      note: r.event_note,
      at: new Date(r.event_at).toISOString(),
      alert: alertFromRow(r),
    }));
  }
}
