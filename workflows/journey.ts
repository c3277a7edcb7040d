import {
  CancelledFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities, ProcessSignalsInput, ProcessSignalsReply, ProcessSignalsResult } from '../activities';
import { summarizeHistory } from '../domain/history';
import { applySnapshotChange, emptySnapshot } from '../domain/journey';
import {
  alertStatusChanged,
  customerSignal,
  customerSignals,
  JOURNEY_VERSION,
  riskProfileQuery,
  SEARCH_ATTRIBUTES,
  segmentChanged,
  subjectOfWorkflowId,
  type JourneyInput,
  type JourneySnapshot,
  type RiskProfile,
} from '../domain/messages';
import type { CustomerSignal } from '../domain/types';
import { NOTIFY, notifyPeople, OutreachStarter } from './outreach';

export const LEAN_JOURNEY = 'lean-journey-2026-11';
/** Continue-as-new when Temporal suggests it even with signals queued; the queue goes with it. */
export const CARRY_QUEUE = 'journey-carry-queue-2026-12';
/** A batch's retries are bounded; then its signals are tried one by one and the failing ones set aside. */
export const SET_ASIDE = 'journey-set-aside-2026-12';
/**
 * Runs started from here until JOURNEY_VERSION (domain/messages.ts) take every change above at
 * once, under one marker: each patch costs two history events (its marker and the
 * TemporalChangeVersion search attribute). They also have the batch activity ask for outreach
 * itself instead of a beginOutreach activity after it.
 */
export const JOURNEY_2026_12 = 'journey-2026-12-b';

type Activities = ReturnType<typeof createActivities>;
const RETRY = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;
/**
 * Runs of JOURNEY_VERSION run their own activities locally, in the workflow task that asked: one
 * marker event instead of an activity's three events and a second workflow task. Earlier runs
 * replay with regular activities.
 */
function journeyActivities(local: boolean, maximumAttempts?: number): Activities {
  const options = { startToCloseTimeout: '30 seconds', retry: maximumAttempts ? { ...RETRY, maximumAttempts } : RETRY } as const;
  // A local activity holds its workflow task (and a worker slot) while it runs and while it backs
  // off locally: waits of 2 s and more go to a server timer, so a database outage does not tie up
  // the worker's workflow task slots with journeys waiting to retry.
  return local ? proxyLocalActivities<Activities>({ ...options, localRetryThreshold: '2 seconds' }) : proxyActivities<Activities>(options);
}
/** About two minutes of retries: longer than a database restart, so only a batch that keeps failing falls back. */
const BATCH_ATTEMPTS = 10;
const ONE_BY_ONE_ATTEMPTS = 3;

/**
 * One customer's risk journey: takes their signals in order, has each batch analysed and the
 * per-signal alert rules evaluated against the cooldowns it keeps in its state, and publishes
 * the live risk profile (query) and search attributes. Ends after a period without signals,
 * leaving its memory in the database for the next run.
 */
export async function customerJourneyWorkflow(input: JourneyInput): Promise<RiskProfile> {
  const { customerId, thresholds } = input;
  // null until the first batch: the activity then resumes from what an earlier run saved.
  let state: JourneySnapshot | null = input.snapshot ?? null;
  // What the previous run had received but not processed comes first.
  const queue: CustomerSignal[] = [...(input.pending ?? [])];
  const current = () => state ?? emptySnapshot();
  const outreach = input.outreachPolicy ? new OutreachStarter(customerId, input.outreachPolicy, input.outreach) : null;

  // Versioned change (histories recorded before it replay the old way): one idle timer per
  // idle period instead of one per batch, and the score search attribute updated in steps of
  // 0.05 rather than on every signal. Both cut Temporal work per signal.
  const versioned = input.version === JOURNEY_VERSION;
  const current2026 = versioned || patched(JOURNEY_2026_12);
  const lean = current2026 || patched(LEAN_JOURNEY);
  const acts = journeyActivities(versioned);

  // The risk segment, as the batch activity (or the bulk re-evaluation, by signal) last judged it.
  let segment: string | undefined = input.segment;
  let published = '';
  function publish() {
    const s = current();
    const score = s.last?.score ?? 0;
    const attrs = {
      tier: s.last?.tier ?? 'low',
      score: lean ? Math.round(score * 20) / 20 : score,
      open: [...new Set(s.openAlerts.map((a) => a.type))].sort(),
      // Only present once segments exist, so histories from before them publish as they did.
      ...(segment ? { segment } : {}),
    };
    const key = JSON.stringify(attrs);
    if (key === published) return;
    published = key;
    upsertSearchAttributes([
      // The subject in the workflow id: the customer id, or its pseudonym when the id is personal data.
      { key: SEARCH_ATTRIBUTES.customerId, value: subjectOfWorkflowId(workflowInfo().workflowId) ?? customerId },
      { key: SEARCH_ATTRIBUTES.riskTier, value: attrs.tier },
      { key: SEARCH_ATTRIBUTES.riskScore, value: attrs.score },
      { key: SEARCH_ATTRIBUTES.openAlertTypes, value: attrs.open },
      ...(attrs.segment ? [{ key: SEARCH_ATTRIBUTES.segment, value: attrs.segment }] : []),
    ]);
  }

  setHandler(customerSignal, (s) => {
    queue.push(s);
  });
  setHandler(customerSignals, (list) => {
    queue.push(...list);
  });
  setHandler(alertStatusChanged, ({ alertId, status }) => {
    if (status !== 'resolved' || !state) return;
    state = { ...state, openAlerts: state.openAlerts.filter((a) => a.id !== alertId) };
    publish();
  });
  setHandler(segmentChanged, (next) => {
    segment = next;
    publish();
  });
  setHandler(riskProfileQuery, () => ({ ...profile(customerId, current()), ...(segment ? { segment } : {}) }));

  // The idle clock: re-armed only when it runs out while the journey has been busy.
  let lastActive = Date.now();
  let idle = false;
  let idleClock: Promise<void> | null = null;
  const armIdleClock = () => {
    idle = false;
    idleClock ??= (async () => {
      for (;;) {
        const wait = lastActive + input.idleTimeoutMs - Date.now();
        if (wait <= 0) break;
        await sleep(wait);
      }
      idle = true;
      idleClock = null;
    })();
  };
  if (lean) armIdleClock();

  for (;;) {
    let busy: boolean;
    if (lean) {
      await condition(() => queue.length > 0 || idle);
      busy = queue.length > 0;
    } else {
      busy = await condition(() => queue.length > 0, input.idleTimeoutMs);
    }
    if (!busy) {
      if (state) await acts.saveJourneySnapshot(customerId, state);
      // A signal that arrived while saving is processed, not dropped.
      if (queue.length === 0) return profile(customerId, current());
      lastActive = Date.now();
      if (lean) armIdleClock();
      continue;
    }
    lastActive = Date.now();
    // A local batch runs inside the workflow task that found the history long, and the signals that
    // arrived meanwhile make it longer still: go on in a new run first, carrying them.
    if (versioned && dueToContinue()) await continueAsNewNow();

    const seen = new Set(current().recentSignalIds);
    const batch = queue.splice(0).filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
    if (batch.length > 0) {
      const sent = state;
      // The batch asks for outreach itself when one may start now (runs from before: an activity after it).
      const ask = current2026 && outreach?.mayStart() ? { outreachPolicy: input.outreachPolicy! } : {};
      // Local batches reply with the state's change: their results stay in the history (markers).
      const work = { customerId, workflowId: workflowInfo().workflowId, thresholds, state: sent, signals: batch, ...ask, ...(versioned ? { replyWithChange: true } : {}) };
      const result =
        current2026 || patched(SET_ASIDE)
          ? await processOrSetAside(work, input.batchAttempts ?? BATCH_ATTEMPTS, versioned)
          : settled(sent, await acts.processSignals(work));
      state = keepResolved(sent, state, result.state);
      if (result.segment) segment = result.segment;
      publish();
      // Alerts of subscribed types reach people (histories from before never carry `notify`).
      if (result.notify?.length && (current2026 || patched(NOTIFY))) for (const alertId of result.notify) await notifyPeople({ alertId });
      if (outreach) {
        if (result.outreach) await outreach.begun(result.outreach);
        // Not asked, or set-aside processing that could not ask: the activity after the batch.
        else if (!current2026 || (ask.outreachPolicy && result.outreach === undefined)) await outreach.afterBatch(state, result.alertIds, batch);
      }
    }

    if (dueToContinue()) await continueAsNewNow();
  }

  /** Temporal suggests continuing as new, or the history has reached `historyLimit`. */
  function dueToContinue(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit);
  }

  /** Continues as new, carrying what the next run needs (called when dueToContinue). */
  async function continueAsNewNow(): Promise<void> {
    await condition(allHandlersFinished);
    if (current2026 || patched(CARRY_QUEUE)) {
      // Steady traffic may never leave the queue empty: the signals received so far go along.
      // (A signal arriving during this task makes Temporal refuse the continue-as-new, and the
      // task runs again with it in the queue.) No state yet: the next run resumes from the database.
      await continueAsNew<typeof customerJourneyWorkflow>({
        ...input,
        snapshot: state ?? undefined,
        pending: queue.splice(0),
        outreach: outreach?.snapshot(),
        ...(segment ? { segment } : {}),
      });
    }
    if (queue.length === 0) await continueAsNew<typeof customerJourneyWorkflow>({ ...input, snapshot: current(), outreach: outreach?.snapshot(), ...(segment ? { segment } : {}) });
  }
}

/**
 * Processes a batch with bounded retries. When it keeps failing, its signals are tried one at a
 * time, so one that always fails holds back none of the others, and those that still fail are set
 * aside (recorded without analysis, with an alert to operators) and counted as handled.
 */
async function processOrSetAside(input: ProcessSignalsInput, attempts: number, local: boolean): Promise<ProcessSignalsResult> {
  let lastError: TemporalFailure;
  try {
    return settled(input.state, await journeyActivities(local, attempts).processSignals(input));
  } catch (err) {
    if (!activityFailed(err)) throw err;
    lastError = err;
  }
  let state = input.state;
  const alertIds: string[] = [];
  let suppressed = 0;
  let segment: string | undefined;
  const failed: CustomerSignal[] = [];
  if (input.signals.length === 1) failed.push(...input.signals);
  else {
    const one = journeyActivities(local, Math.min(attempts, ONE_BY_ONE_ATTEMPTS));
    for (const s of input.signals) {
      try {
        // One by one, the batch does not ask for outreach: the journey asks after it (the activity).
        const { outreachPolicy: _, ...each } = input;
        const r = settled(state, await one.processSignals({ ...each, state, signals: [s] }));
        state = r.state;
        alertIds.push(...r.alertIds);
        suppressed += r.suppressed;
        segment = r.segment ?? segment;
      } catch (err) {
        if (!activityFailed(err)) throw err;
        failed.push(s);
        lastError = err;
      }
    }
  }
  if (failed.length > 0) {
    const error = lastError.cause?.message ?? lastError.message;
    state = (await journeyActivities(local).setAsideSignals({ customerId: input.customerId, workflowId: input.workflowId, state, signals: failed, error })).state;
  }
  return { state: state!, alertIds, suppressed, ...(segment ? { segment } : {}) };
}

/** A batch's reply as a result with the journey's next state: whole, or its change from the state sent. */
function settled(sent: JourneySnapshot | null, reply: ProcessSignalsReply): ProcessSignalsResult {
  if ('state' in reply) return reply;
  const { change, ...rest } = reply;
  return { ...rest, state: applySnapshotChange(sent ?? emptySnapshot(), change) };
}

/**
 * The activity failed for good: an ActivityFailure from a regular activity; a local activity's
 * failure can also reach the workflow as the activity's own ApplicationFailure (seen with SDK 1.24).
 * Cancellation of the journey is not a failed batch.
 */
function activityFailed(err: unknown): err is TemporalFailure {
  return err instanceof TemporalFailure && !(err instanceof CancelledFailure);
}

/** An alert resolved while the activity ran stays resolved in the state the activity returns. */
function keepResolved(sent: JourneySnapshot | null, now: JourneySnapshot | null, result: JourneySnapshot): JourneySnapshot {
  if (!sent || !now) return result;
  const stillOpen = new Set(now.openAlerts.map((a) => a.id));
  const resolved = new Set(sent.openAlerts.filter((a) => !stillOpen.has(a.id)).map((a) => a.id));
  return resolved.size ? { ...result, openAlerts: result.openAlerts.filter((a) => !resolved.has(a.id)) } : result;
}

function profile(customerId: string, s: JourneySnapshot): RiskProfile {
  const newest = s.history.length ? s.history[s.history.length - 1].at : 0;
  return {
    customerId,
    score: s.last?.score ?? null,
    tier: s.last?.tier ?? null,
    risk: s.last?.risk ?? null,
    lastSignalId: s.last?.signalId ?? null,
    lastSignalAt: s.last?.at ?? null,
    signalsProcessed: s.signalsProcessed,
    openAlerts: s.openAlerts,
    suppressedAlerts: s.suppressed,
    complaintsLast7Days: summarizeHistory(s.history, newest + 1).complaints7d,
  };
}
