// The API's side of Temporal: hands recorded signals to customer journeys and talks to them.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db';
import { markDelivered, markDeliveryFailed, pendingSignals } from '../db/signals';
import type { RuleThresholds } from '../domain/rules';
import type { OutreachPolicy } from '../domain/outreach';
import type { SignalDefinition } from '@temporalio/common';
import {
  alertStatusChanged,
  customerSignal,
  riskProfileQuery,
  SEARCH_ATTRIBUTES,
  type JourneyInput,
  type RiskProfile,
} from '../domain/messages';
import type { AlertStatus, CustomerSignal } from '../domain/types';
import type { Logger } from './logger';

const DELIVERY_DEADLINE_MS = 5000;

export interface JourneyGatewayDeps {
  db: Db;
  client: Client;
  taskQueue: string;
  thresholds: RuleThresholds;
  idleTimeoutMs: number;
  log: Logger;
  /** Handed to journeys they start; null: no outreach. */
  outreachPolicy?: OutreachPolicy | null;
}

export interface Delivery {
  signal: CustomerSignal;
  workflowId: string;
}

export class JourneyGateway {
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly deps: JourneyGatewayDeps) {}

  /**
   * signalWithStart for each recorded signal; marks delivered ones. A failure leaves the
   * signal pending for the sweep: recorded signals are delivered at least once, and the
   * journey recognises a redelivered id.
   */
  async deliver(items: Delivery[]): Promise<void> {
    const { client, db, taskQueue, log } = this.deps;
    // One customer's signals go in order; different customers in parallel.
    const byWorkflow = new Map<string, number[]>();
    items.forEach((it, i) => byWorkflow.set(it.workflowId, [...(byWorkflow.get(it.workflowId) ?? []), i]));
    const results: PromiseSettledResult<unknown>[] = new Array(items.length);
    await Promise.all(
      [...byWorkflow.values()].map(async (indexes) => {
        for (const i of indexes) {
          const { signal, workflowId } = items[i];
          try {
            // A deadline, so an unreachable Temporal fails the attempt instead of hanging it.
            const value = await client.withDeadline(Date.now() + DELIVERY_DEADLINE_MS, () =>
              client.workflow.signalWithStart('customerJourneyWorkflow', {
                workflowId,
                taskQueue,
                args: [this.journeyInput(signal.customerId)],
                signal: customerSignal,
                signalArgs: [signal],
                typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.customerId, value: signal.customerId }],
              }),
            );
            results[i] = { status: 'fulfilled', value };
          } catch (reason) {
            results[i] = { status: 'rejected', reason };
          }
        }
      }),
    );
    const delivered = items.filter((_, i) => results[i].status === 'fulfilled').map((it) => it.signal.id);
    const failed = items.filter((_, i) => results[i].status === 'rejected').map((it) => it.signal.id);
    await markDelivered(db, delivered);
    if (failed.length) {
      const reason = String((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason?.message);
      log.warn({ count: failed.length, reason }, 'signal delivery to Temporal failed; will retry');
      await markDeliveryFailed(db, failed, reason);
    }
  }

  /** Delivers in the background; the caller has its 202 already. */
  deliverSoon(items: Delivery[]): void {
    this.deliver(items).catch((err) => this.deps.log.warn({ err }, 'delivery attempt failed; the sweep retries'));
  }

  /** Retries signals that were recorded but not delivered (Temporal was down, the API restarted). */
  startSweep(intervalMs = 1000, minAgeMs = 2000): void {
    const tick = async () => {
      try {
        for (;;) {
          const pending = await pendingSignals(this.deps.db, minAgeMs, 200);
          if (pending.length === 0) break;
          await this.deliver(pending);
          if (pending.length < 200) break;
        }
      } catch (err) {
        this.deps.log.warn({ err }, 'delivery sweep failed');
      }
    };
    const loop = () => {
      this.sweeping = tick().finally(() => {
        if (this.sweepTimer !== undefined) this.sweepTimer = setTimeout(loop, intervalMs);
      });
    };
    this.sweepTimer = setTimeout(loop, intervalMs);
  }

  async stopSweep(): Promise<void> {
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
  }

  async notifyAlertStatus(workflowId: string | null, alertId: string, status: AlertStatus): Promise<void> {
    if (!workflowId) return;
    try {
      await this.deps.client.workflow.getHandle(workflowId).signal(alertStatusChanged, { alertId, status });
    } catch (err) {
      // An ended journey reads open alerts from the database when it starts again.
      if (!(err instanceof WorkflowNotFoundError)) this.deps.log.warn({ err, workflowId, alertId }, 'could not notify journey');
    }
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

  /** The live risk profile, or null when the customer has no running journey. */
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
    return { customerId, thresholds, idleTimeoutMs, ...(outreachPolicy ? { outreachPolicy } : {}) };
  }
}
