// The API's side of Temporal: hands recorded signals to customer journeys and talks to them.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import type { Db } from '../db';
import { claimDueSignals, markDelivered, markDeliveryFailed } from '../db/signals';
import {
  alertStatusMessageKey,
  claimDueMessages,
  markMessageAbandoned,
  markMessageFailed,
  markMessagesDelivered,
  pendingMessagesByKey,
  type WorkflowMessage,
} from '../db/workflow-messages';
import {
  customerSignals,
  JOURNEY_HISTORY_LIMIT,
  JOURNEY_VERSION,
  journeyWorkflowId,
  riskProfileQuery,
  SEARCH_ATTRIBUTES,
  subjectOfWorkflowId,
  type JourneyInput,
  type RiskProfile,
} from '../domain/messages';
import type { OutreachPolicy } from '../domain/outreach';
import type { RuleThresholds } from '../domain/rules';
import type { AlertStatus, CustomerSignal } from '../domain/types';
import { customerSubject } from '../privacy/subjects';
import type { Logger } from './logger';

const DELIVERY_DEADLINE_MS = 5000;
const COALESCE_MS = 5;
const MAX_WAITING = 10_000;
/**
 * Journeys with a delivery in flight at once. Enough to keep Temporal busy (bare signalWithStart
 * reaches its best with 64 in flight); more only queues calls inside Temporal until they outlive
 * their deadline: with 500, a batch of 500 new customers had 1,362 workflow creations cancelled
 * there in the bench's 3,000-journey phase (redelivered by the sweep) and made 21 journeys/s against 32.
 */
export const MAX_SENDING = 64;
/** Temporal payloads must stay well below its 2 MB limit: chunk a customer's signals by size. */
const MAX_CHUNK_BYTES = 256 * 1024;
const MAX_CHUNK_SIGNALS = 100;
/** The sweep claims pages of this many due rows (signals, then workflow messages) … */
const SWEEP_PAGE = 200;
/** … and no more pages than this per tick, so one tick never runs away. */
const SWEEP_MAX_PAGES = 25;
/** A claimed row is not due again for this long: another replica takes it over only if this one died mid-delivery. */
const SWEEP_LEASE_MS = 60_000;

function chunks(signals: CustomerSignal[]): CustomerSignal[][] {
  const out: CustomerSignal[][] = [];
  let current: CustomerSignal[] = [];
  let bytes = 0;
  for (const s of signals) {
    const size = Buffer.byteLength(JSON.stringify(s));
    if (current.length && (bytes + size > MAX_CHUNK_BYTES || current.length >= MAX_CHUNK_SIGNALS)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(s);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

export interface JourneyGatewayDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  thresholds: RuleThresholds;
  idleTimeoutMs: number;
  log: Logger;
  /** Handed to journeys they start; null: no outreach. */
  outreachPolicy?: OutreachPolicy | null;
  /** Keys the pseudonyms that replace customer ids which are personal data in workflow ids. */
  pseudonymSecret: string;
}

export interface Delivery {
  signal: CustomerSignal;
  workflowId: string;
}

export class JourneyGateway {
  private sweepTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Accepted signals not yet handed to Temporal, by journey. */
  private readonly waiting = new Map<string, Delivery[]>();
  private waitingCount = 0;
  /** The journeys with a delivery in flight. */
  private readonly sending = new Map<string, Promise<void>>();
  /** Delivered signal ids not yet marked so in the database, and the marking in progress. */
  private readonly toMark: string[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private marking: Promise<void> = Promise.resolve();
  private sweeping: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly deps: JourneyGatewayDeps) {}

  /** The customer's journey: `customer-journey/<id>`, or `customer-journey/~p_…` when the id is personal data. */
  workflowIdOf(customerId: string): string {
    return journeyWorkflowId(customerSubject(this.deps.pseudonymSecret, customerId));
  }

  /**
   * Hands recorded signals to their journeys: one signalWithStart per customer and chunk, the
   * customer's signals in order, customers in parallel; marks delivered ones. A failure leaves
   * the signals pending for the sweep: recorded signals are delivered at least once, and the
   * journey recognises a redelivered id.
   */
  async deliver(items: Delivery[]): Promise<void> {
    const byWorkflow = new Map<string, CustomerSignal[]>();
    for (const it of items) {
      const list = byWorkflow.get(it.workflowId);
      if (list) list.push(it.signal);
      else byWorkflow.set(it.workflowId, [it.signal]);
    }
    // A sweep page can hold hundreds of journeys: no more than MAX_SENDING calls at once here either.
    const journeys = [...byWorkflow.entries()];
    const sent: Awaited<ReturnType<JourneyGateway['signalJourney']>>[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(MAX_SENDING, journeys.length) }, async () => {
        for (let i = next++; i < journeys.length; i = next++) sent[i] = await this.signalJourney(...journeys[i]);
      }),
    );
    await markDelivered(this.deps.db, sent.flatMap((r) => r.delivered));
    await this.failed(sent.flatMap((r) => r.failed), sent.find((r) => r.failed.length)?.reason ?? '');
  }

  /** Signals whose delivery failed stay pending, with a backoff, for the sweep. */
  private async failed(ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    this.deps.log.warn({ count: ids.length, reason }, 'signal delivery to Temporal failed; will retry');
    await markDeliveryFailed(this.deps.db, ids, reason);
  }

  /** One signalWithStart per chunk of the journey's signals, in order; what went and what did not. */
  private async signalJourney(workflowId: string, signals: CustomerSignal[]): Promise<{ delivered: string[]; failed: string[]; reason: string }> {
    const { client, taskQueue } = this.deps;
    const delivered: string[] = [];
    const failed: string[] = [];
    let reason = '';
    for (const chunk of chunks(signals)) {
      try {
        // A deadline, so an unreachable Temporal fails the attempt instead of hanging it.
        await client.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () =>
          client.workflow.signalWithStart('customerJourneyWorkflow', {
            workflowId,
            taskQueue,
            args: [this.journeyInput(chunk[0].customerId)],
            signal: customerSignals,
            signalArgs: [chunk],
            typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.customerId, value: subjectOfWorkflowId(workflowId) ?? chunk[0].customerId }],
          }),
        );
        delivered.push(...chunk.map((s) => s.id));
      } catch (err) {
        failed.push(...chunk.map((s) => s.id));
        reason = String((err as Error)?.message);
      }
    }
    return { delivered, failed, reason };
  }

  /**
   * Delivers in the background; the caller has its 202 already. Signals accepted within a few
   * milliseconds of each other travel together (one Temporal signal per customer), and each
   * journey has at most one delivery in flight, so its signals arrive in the order accepted. A
   * journey whose delivery is slow holds up only its own signals, which go together in its next
   * delivery: Temporal turns signals away for a while when a busy journey continues as new, and
   * the client's retries then took up to a second, during which every customer used to wait.
   */
  deliverSoon(items: Delivery[]): void {
    // Beyond this, signals wait in the database only (still pending): the sweep delivers them.
    if (items.length === 0 || this.waitingCount > MAX_WAITING) return;
    for (const it of items) {
      const list = this.waiting.get(it.workflowId);
      if (list) list.push(it);
      else this.waiting.set(it.workflowId, [it]);
    }
    this.waitingCount += items.length;
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, COALESCE_MS);
  }

  /** Starts a delivery for every journey with signals waiting and none in flight (up to MAX_SENDING), oldest first. */
  private flush(): void {
    for (const [workflowId, list] of this.waiting) {
      if (this.sending.size >= MAX_SENDING) return;
      if (this.sending.has(workflowId)) continue;
      this.waiting.delete(workflowId);
      this.waitingCount -= list.length;
      const delivery = (async () => {
        const { delivered, failed, reason } = await this.signalJourney(workflowId, list.map((it) => it.signal));
        this.markSoon(delivered);
        await this.failed(failed, reason);
      })()
        .catch((err) => this.deps.log.warn({ err }, 'delivery attempt failed; the sweep retries'))
        .finally(() => {
          this.sending.delete(workflowId);
          if (this.waiting.size) this.flush();
        });
      this.sending.set(workflowId, delivery);
    }
  }

  /** Marks delivered signals: one statement for what the journeys' deliveries finished within a few milliseconds. */
  private markSoon(ids: string[]): void {
    if (ids.length === 0) return;
    this.toMark.push(...ids);
    this.markTimer ??= setTimeout(() => {
      this.markTimer = undefined;
      this.marking = this.marking
        .then(() => {
          const batch = this.toMark.splice(0);
          return batch.length ? markDelivered(this.deps.db, batch) : undefined;
        })
        // Still pending in the database: the sweep delivers them again and the journey skips them.
        .catch((err) => this.deps.log.warn({ err }, 'could not mark signals delivered'));
    }, COALESCE_MS);
  }

  /** Resolves when everything handed to deliverSoon so far has been attempted and recorded. */
  async drain(): Promise<void> {
    while (this.flushTimer || this.markTimer || this.waiting.size || this.sending.size) {
      await Promise.all(this.sending.values());
      await new Promise((r) => setTimeout(r, COALESCE_MS));
    }
    await this.marking;
  }

  /**
   * Retries what was recorded but not delivered (Temporal was down, the API restarted): claims
   * pages of due signals and workflow messages (FOR UPDATE SKIP LOCKED, with a lease), so replicas
   * never deliver the same row at once; a row that fails again waits twice as long as before.
   */
  startSweep(intervalMs = 1000, minAgeMs = 2000): void {
    const { db, log } = this.deps;
    this.stopping = false;
    const tick = async () => {
      for (let page = 0; page < SWEEP_MAX_PAGES && !this.stopping; page++) {
        let full = false;
        try {
          const signals = await claimDueSignals(db, minAgeMs, SWEEP_PAGE, SWEEP_LEASE_MS);
          if (signals.length) await this.deliver(signals);
          full = signals.length === SWEEP_PAGE;
        } catch (err) {
          log.warn({ err }, 'delivery sweep failed');
        }
        if (this.stopping) break;
        try {
          const messages = await claimDueMessages(db, minAgeMs, SWEEP_PAGE, SWEEP_LEASE_MS);
          if (messages.length) await this.deliverMessages(messages);
          full ||= messages.length === SWEEP_PAGE;
        } catch (err) {
          log.warn({ err }, 'workflow message sweep failed');
        }
        if (!full) break;
      }
    };
    const loop = () => {
      this.sweeping = tick().finally(() => {
        if (!this.stopping) this.sweepTimer = setTimeout(loop, intervalMs);
      });
    };
    this.sweepTimer = setTimeout(loop, intervalMs);
  }

  /** No new page after this; waits only for the deliveries already in flight. */
  async stopSweep(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.drain();
    await this.sweeping;
  }

  /**
   * Sends stored workflow messages, in order per workflow and workflows in parallel: a delivered
   * one is marked so, a failed one stays pending for the sweep (with a backoff), and one whose
   * workflow no longer exists is given up (the database holds the fact; nobody waits for it).
   */
  async deliverMessages(messages: WorkflowMessage[]): Promise<void> {
    const { client, db, log } = this.deps;
    const byWorkflow = new Map<string, WorkflowMessage[]>();
    for (const m of messages) byWorkflow.set(m.workflowId, [...(byWorkflow.get(m.workflowId) ?? []), m]);
    const delivered: string[] = [];
    await Promise.all(
      [...byWorkflow.entries()].map(async ([workflowId, list]) => {
        for (const m of list) {
          try {
            await client.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () => client.workflow.getHandle(workflowId).signal(m.signalName, ...m.args));
            delivered.push(m.key);
          } catch (err) {
            const reason = String((err as Error)?.message);
            if (err instanceof WorkflowNotFoundError) {
              log.info({ workflowId, key: m.key }, 'workflow message given up: the workflow no longer exists');
              await markMessageAbandoned(db, m.key, reason);
            } else {
              log.warn({ workflowId, key: m.key, reason }, 'workflow message delivery failed; the sweep retries');
              await markMessageFailed(db, m.key, reason);
            }
          }
        }
      }),
    );
    await markMessagesDelivered(db, delivered);
  }

  /** Right after the commit that recorded them: sends these messages if still pending (a failure is the sweep's). */
  async sendMessages(keys: string[]): Promise<void> {
    try {
      await this.deliverMessages(await pendingMessagesByKey(this.deps.db, keys));
    } catch (err) {
      this.deps.log.warn({ err }, 'workflow message delivery failed; the sweep retries');
    }
  }

  /** Sends the message changeAlertStatus recorded with the change (none for an alert no workflow owns). */
  async notifyAlertStatus(workflowId: string | null, alertId: string, status: AlertStatus): Promise<void> {
    if (!workflowId) return;
    await this.sendMessages([alertStatusMessageKey(alertId, status)]);
  }

  /** Signals a workflow that may have ended; false when it is not running (the database has the fact anyway). */
  async signalWorkflow<Args extends unknown[]>(workflowId: string, def: SignalDefinition<Args>, ...args: Args): Promise<boolean> {
    try {
      await this.deps.client.workflow.getHandle(workflowId).signal(def, ...args);
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) this.deps.log.warn({ err, workflowId, signal: def.name }, 'could not signal workflow');
      return false;
    }
  }

  async riskProfile(workflowId: string): Promise<RiskProfile | null> {
    try {
      return await this.deps.client.workflow.getHandle(workflowId).query(riskProfileQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as Error)?.message?.includes('workflow execution already completed')) return null;
      throw err;
    }
  }

  private journeyInput(customerId: string): JourneyInput {
    const { thresholds, idleTimeoutMs, outreachPolicy } = this.deps;
    return { customerId, version: JOURNEY_VERSION, thresholds, idleTimeoutMs, historyLimit: JOURNEY_HISTORY_LIMIT, ...(outreachPolicy ? { outreachPolicy } : {}) };
  }
}
