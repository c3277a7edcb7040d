import {
  ActivityFailure,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BeginOutreachResult, createOutreachActivities } from '../activities/outreach';
import type { createNotifyActivities, NotifyInput } from '../activities/notify';
import { alertStatusChanged, type JourneySnapshot } from '../domain/messages';
import { msUntilQuietHoursEnd, nextStepFor, outreachAsk, type OutreachPolicy } from '../domain/outreach';
import {
  messageUndeliverable,
  outreachEnded,
  outreachStatusQuery,
  surveyAnswered,
  type EscalationReason,
  type OutreachInput,
  type OutreachMemory,
  type OutreachOutcome,
  type OutreachResult,
  type OutreachStatus,
  type SurveyAnswer,
} from '../domain/outreach-messages';
import type { AlertStatus, CustomerSignal } from '../domain/types';

/**
 * Versioned change (outreaches started before it replay the old way): before escalating for
 * silence and while waiting for a human, the workflow re-reads the database, so a lost "answered"
 * or "resolved" message can neither escalate a customer who answered nor hold an escalation forever.
 */
export const OUTREACH_DB_RECHECK = 'outreach-db-recheck-2026-12';
/**
 * Versioned change: the escalation and each next level of its chain are notified to people
 * (webhook, e-mail, console) by the `notify` activity; before it, a level was a timeline row only.
 */
export const NOTIFY = 'notify-2026-12';
/** Bounded: a channel that stays down costs the workflow about a minute, never the escalation. */
const notifyActs = proxyActivities<ReturnType<typeof createNotifyActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 seconds', maximumAttempts: 6 },
});

/** Notifies; a notification that cannot be delivered is recorded by the activity and given up here. */
export async function notifyPeople(input: NotifyInput): Promise<void> {
  try {
    await notifyActs.notify(input);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
  }
}

/** The re-check while waiting for "resolved" starts at the renotify period and doubles up to this (or that period, if longer). */
const MAX_RECHECK_MS = 3600_000;

const acts = proxyActivities<ReturnType<typeof createOutreachActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One outreach to one customer: wait out quiet hours, send the survey invitation, remind once,
 * wait for the answer until the deadline; a promoter closes the loop, a detractor or silence
 * escalates (operator alert + CRM case) and the workflow waits for a human to resolve it,
 * re-notifying up the escalation chain while nobody acknowledges. Records the outcome.
 */
export async function outreachWorkflow(input: OutreachInput): Promise<OutreachResult> {
  const { outreachId, policy, timeZone } = input;
  const chain = policy.escalation.chain;
  let answer: SurveyAnswer | null = null;
  let undeliverable = false;
  let alertStatus: AlertStatus | null = null;
  const status: OutreachStatus = { outreachId, stage: 'sending', answer: null, escalationAlertId: null, escalationLevel: 0 };
  const recheck = patched(OUTREACH_DB_RECHECK);
  const notifying = patched(NOTIFY);

  // Every handler is idempotent: the API delivers at least once, and the database re-check may
  // learn a fact before or after its message.
  const noteAnswer = (a: SurveyAnswer) => {
    answer ??= a; // one answer per link; the API refuses a second one anyway
    status.answer = answer;
  };
  const noteAlertStatus = (s: AlertStatus | null) => {
    if (s === 'resolved' || (s === 'acknowledged' && alertStatus !== 'resolved')) alertStatus = s;
    if (alertStatus === 'acknowledged' && status.stage === 'escalated') status.stage = 'acknowledged';
  };
  const recheckDatabase = async (alertId: string | null) => {
    const facts = await acts.readOutreachFacts({ outreachId, alertId });
    if (facts.answer) noteAnswer(facts.answer);
    if (facts.undeliverable) undeliverable = true;
    noteAlertStatus(facts.alertStatus);
  };
  setHandler(surveyAnswered, noteAnswer);
  setHandler(messageUndeliverable, () => {
    undeliverable = true;
  });
  // Only our own escalation alert names this workflow as its owner.
  setHandler(alertStatusChanged, ({ status: s }) => noteAlertStatus(s));
  setHandler(outreachStatusQuery, () => status);

  const finish = async (outcome: OutreachOutcome, escalationReason: EscalationReason | null, skipReason: string | null) => {
    const result = await acts.finishOutreach({ outreachId, outcome, escalationReason, skipReason, answer });
    status.stage = 'done';
    await tellJourney(input, outcome, status.escalationAlertId);
    return result;
  };

  const quiet = msUntilQuietHoursEnd(Date.now(), timeZone, policy.quietHours);
  if (quiet > 0) {
    status.stage = 'quiet_hours';
    await sleep(quiet);
  }
  status.stage = 'sending';
  const deadlineAt = Date.now() + policy.surveyDeadlineMs;
  const sent = await acts.sendOutreachMessage({ outreachId, kind: 'survey', expiresAt: deadlineAt, policy });
  if (!sent.sent) return finish('skipped', null, sent.reason);

  status.stage = 'waiting_for_answer';
  const settled = () => answer !== null || undeliverable;
  const waitUntil = async (at: number) => {
    const ms = at - Date.now();
    if (ms > 0 && !settled()) await condition(settled, ms);
  };
  if (policy.reminderAfterMs > 0 && policy.reminderAfterMs < policy.surveyDeadlineMs) {
    await waitUntil(Date.now() + policy.reminderAfterMs);
    if (!settled()) {
      // The reminder also respects quiet hours, and is dropped if they last past the deadline.
      const reminderAt = Date.now() + msUntilQuietHoursEnd(Date.now(), timeZone, policy.quietHours);
      if (reminderAt < deadlineAt) {
        await waitUntil(reminderAt);
        if (!settled()) await acts.sendOutreachMessage({ outreachId, kind: 'reminder', expiresAt: deadlineAt, policy });
      }
    }
  }
  await waitUntil(deadlineAt);
  if (recheck && !settled()) await recheckDatabase(null);

  const step = undeliverable && !answer ? 'escalate' : nextStepFor((answer as SurveyAnswer | null)?.score ?? null);
  if (step !== 'escalate') return finish(step, null, null);

  const reason: EscalationReason = answer ? 'detractor' : undeliverable ? 'undeliverable' : 'no_answer';
  const esc = await acts.escalateOutreach({ outreachId, reason, answer, notify: chain[0] });
  status.escalationAlertId = esc.alertId;
  status.stage = alertStatus === 'acknowledged' ? 'acknowledged' : 'escalated';
  if (notifying && alertStatus === null) await notifyPeople({ alertId: esc.alertId, level: 0, recipient: chain[0] });

  // Escalation chain: while nobody acknowledges, the next level is notified after each timeout.
  let level = 0;
  let recheckMs = policy.escalation.renotifyMs;
  while (alertStatus !== 'resolved') {
    if (alertStatus === 'acknowledged' || level >= chain.length - 1) {
      if (!recheck) {
        await condition(() => alertStatus === 'resolved');
        break;
      }
      if (!(await condition(() => alertStatus === 'resolved', recheckMs))) {
        await recheckDatabase(esc.alertId);
        recheckMs = Math.min(recheckMs * 2, Math.max(policy.escalation.renotifyMs, MAX_RECHECK_MS));
      }
      continue;
    }
    const moved = await condition(() => alertStatus !== null, policy.escalation.renotifyMs);
    // Before paging the next level: perhaps someone acknowledged and the message was lost.
    if (!moved && recheck) await recheckDatabase(esc.alertId);
    if (!moved && alertStatus === null) {
      level += 1;
      status.escalationLevel = level;
      await acts.renotifyEscalation({ alertId: esc.alertId, level, notify: chain[level], last: level === chain.length - 1 });
      if (notifying) await notifyPeople({ alertId: esc.alertId, level, recipient: chain[level] });
    }
  }
  return finish('resolved', reason, null);
}

/** Best effort: the journey may have ended (it re-learns from the database when it starts again). */
async function tellJourney(input: OutreachInput, outcome: OutreachOutcome, alertId: string | null) {
  const journey = getExternalWorkflowHandle(input.journeyWorkflowId);
  try {
    await journey.signal(outreachEnded, { workflowId: workflowInfo().workflowId, outcome });
    if (alertId) await journey.signal(alertStatusChanged, { alertId, status: 'resolved' });
  } catch {
    // not running: nothing to tell
  }
}

const journeyActs = proxyActivities<ReturnType<typeof createOutreachActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * The journey's side: after each batch, decides by the policy whether outreach is called for and
 * starts it as a child. The child is abandoned on parent close: a journey continues-as-new and ends
 * when idle, while an outreach may wait days for an answer or a human.
 */
export class OutreachStarter {
  private memory: OutreachMemory;

  constructor(
    private readonly customerId: string,
    private readonly policy: OutreachPolicy,
    memory: OutreachMemory | undefined,
  ) {
    this.memory = memory ?? { active: null, lastSkipAt: null };
    setHandler(outreachEnded, ({ workflowId }) => {
      if (this.memory.active === workflowId) this.memory = { ...this.memory, active: null };
    });
  }

  snapshot(): OutreachMemory {
    return this.memory;
  }

  /** Whether a batch may start an outreach now: none running, and no skip within the recheck period. */
  mayStart(): boolean {
    return !this.memory.active && !(this.memory.lastSkipAt !== null && Date.now() - this.memory.lastSkipAt < this.policy.recheckMs);
  }

  /** Asks the beginOutreach activity after a batch (journeys whose batch activity does not ask itself). */
  async afterBatch(state: JourneySnapshot, newAlertIds: string[], batch: CustomerSignal[]): Promise<void> {
    const ask = outreachAsk(
      { customerId: this.customerId, journeyWorkflowId: workflowInfo().workflowId, signalIds: batch.map((s) => s.id), alertIds: newAlertIds },
      state,
      this.policy,
    );
    if (!ask || !this.mayStart()) return;
    await this.begun(await journeyActs.beginOutreach(ask));
  }

  /** Acts on the decision: starts the outreach workflow, or remembers the skip. */
  async begun(r: BeginOutreachResult): Promise<void> {
    if (r.action === 'skip') {
      this.memory = { ...this.memory, lastSkipAt: Date.now() };
      return;
    }
    if (r.action === 'start') {
      try {
        await startChild(outreachWorkflow, {
          workflowId: r.workflowId,
          args: [{ outreachId: r.outreachId, customerId: this.customerId, journeyWorkflowId: workflowInfo().workflowId, timeZone: r.timeZone, policy: this.policy }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (err) {
        // Started by an earlier run of this journey: it is running or done; either way not again.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    this.memory = { ...this.memory, active: r.workflowId };
  }
}
