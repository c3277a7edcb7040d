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
  private readonly waiting: Delivery[] = [];
  private delivering: Promise<void> = Promise.resolve();
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
    const { client, db, taskQueue, log } = this.deps;
    const byWorkflow = new Map<string, Delivery[]>();
    for (const it of items) byWorkflow.set(it.workflowId, [...(byWorkflow.get(it.workflowId) ?? []), it]);
    const delivered: string[] = [];
    const failed: string[] = [];
    let reason = '';
    await Promise.all(
      [...byWorkflow.entries()].map(async ([workflowId, list]) => {
        for (const chunk of chunks(list.map((it) => it.signal))) {
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
      }),
    );
    await markDelivered(db, delivered);
    if (failed.length) {
      log.warn({ count: failed.length, reason }, 'signal delivery to Temporal failed; will retry');
      await markDeliveryFailed(db, failed, reason);
    }
  }

  /**
   * Delivers in the background; the caller has its 202 already. Signals accepted within a few
   * milliseconds of each other travel together (one Temporal signal per customer), and one
   * delivery runs at a time, so a customer's signals reach the journey in the order accepted.
   */
  deliverSoon(items: Delivery[]): void {
    // Beyond this, signals wait in the database only (still pending): the sweep delivers them.
    if (items.length === 0 || this.waiting.length > MAX_WAITING) return;
    this.waiting.push(...items);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      // What is waiting is taken when the previous delivery is done, not when the timer fires: while
      // Temporal is slow, everything accepted meanwhile goes in the next delivery (one signal per
      // customer), instead of a chain of deliveries of a signal or two each that falls behind.
      this.delivering = this.delivering
        .then(() => {
          const batch = this.waiting.splice(0);
          return batch.length ? this.deliver(batch) : undefined;
        })
        .catch((err) => this.deps.log.warn({ err }, 'delivery attempt failed; the sweep retries'));
    }, COALESCE_MS);
  }

  /** Resolves when everything handed to deliverSoon so far has been attempted. */
  async drain(): Promise<void> {
    while (this.flushTimer || this.waiting.length) await new Promise((r) => setTimeout(r, COALESCE_MS));
    await this.delivering;
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
