import { expect } from 'chai';
import { applySignal, applySnapshotChange, emptySnapshot, RECENT_SIGNAL_IDS, snapshotChange } from '../../domain/journey';
import type { JourneySnapshot } from '../../domain/messages';
import { DEFAULT_THRESHOLDS } from '../../domain/rules';
import type { CustomerSignal, SignalAnalysis } from '../../domain/types';

const t0 = Date.parse('2026-03-02T09:00:00Z');
const hour = 3600_000;
const signal = (id: string, atMs: number): CustomerSignal => ({
  id,
  customerId: 'c-legal',
  type: 'support_ticket',
  channel: null,
  text: 'I will sue you',
  language: 'en',
  occurredAt: new Date(atMs).toISOString(),
  location: null,
  rootCause: null,
  analysis: null,
  metadata: null,
});
const threat: SignalAnalysis = {
  language: 'en',
  sentiment: -0.6,
  label: 'negative',
  rootCause: 'billing',
  legalThreat: true,
  risk: { churn: 0.2, escalation: 0.2, legal: 0.9, reputation: 0.2, financial: 0.2 },
  score: 0.5,
  tier: 'high',
  contributions: [],
  modelVersion: 'test',
  source: 'model',
};
const alertId = (dedupId: string) => `id:${dedupId}`;
const step = (state: JourneySnapshot, id: string, atMs: number) => applySignal(state, signal(id, atMs), threat, DEFAULT_THRESHOLDS, alertId);
const resolve = (state: JourneySnapshot, id: string): JourneySnapshot => ({ ...state, openAlerts: state.openAlerts.filter((a) => a.id !== id) });

describe('journey step: the legal hold', () => {
  it('suppresses a repeated legal threat into the legal_threat alert while that alert is open', () => {
    const first = step(emptySnapshot(), 's1', t0);
    expect(first.alerts.map((a) => a.type)).to.deep.equal(['legal_threat']);
    const second = step(first.state, 's2', t0 + hour);
    expect(second.alerts).to.have.length(0);
    expect(second.suppressed).to.deep.equal([{ type: 'legal_threat', signalId: 's2' }]);
  });

  it('opens a new legal_threat alert for a threat within the cooldown of one that was resolved', () => {
    const first = step(emptySnapshot(), 's1', t0);
    const resolved = resolve(first.state, alertId(first.alerts[0].dedupId));
    const again = step(resolved, 's2', t0 + 2 * hour);
    expect(again.alerts.map((a) => a.type), 'a new legal alert, not a suppression').to.deep.equal(['legal_threat']);
    expect(again.suppressed).to.have.length(0);
    expect(again.state.openAlerts.map((a) => a.type)).to.deep.equal(['legal_threat']);
    // ... and that new alert is what a third threat within the cooldown is counted on.
    const third = step(again.state, 's3', t0 + 3 * hour);
    expect(third.alerts).to.have.length(0);
    expect(third.suppressed).to.deep.equal([{ type: 'legal_threat', signalId: 's3' }]);
  });

  it('also for a late threat that happened before the resolved one', () => {
    const first = step(emptySnapshot(), 's1', t0);
    const resolved = resolve(first.state, alertId(first.alerts[0].dedupId));
    expect(step(resolved, 's0', t0 - hour).alerts.map((a) => a.type)).to.deep.equal(['legal_threat']);
  });

  it('keeps the cooldown for other types after their alert is resolved', () => {
    const churn: SignalAnalysis = { ...threat, legalThreat: false, sentiment: -0.6, risk: { ...threat.risk, legal: 0, churn: 0.9 } };
    const first = applySignal(emptySnapshot(), signal('s1', t0), churn, DEFAULT_THRESHOLDS, alertId);
    expect(first.alerts.map((a) => a.type)).to.deep.equal(['churn_signal']);
    const resolved = resolve(first.state, alertId(first.alerts[0].dedupId));
    const again = applySignal(resolved, signal('s2', t0 + hour), churn, DEFAULT_THRESHOLDS, alertId);
    expect(again.alerts).to.have.length(0);
    expect(again.suppressed.map((s) => s.type)).to.deep.equal(['churn_signal']);
  });
});

describe("journey step: a batch's change to the state", () => {
  // Deterministic pseudo-random walk (no dependency on Math.random): signals mostly in order, some late.
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v));

  it('rebuilds the state the batch produced, for batches in order, late, past both caps and over the horizon', () => {
    let state = emptySnapshot();
    let clock = t0;
    for (let batch = 0; batch < 150; batch++) {
      const before = state;
      const size = 1 + Math.floor(next() * 9);
      for (let k = 0; k < size; k++) {
        clock += Math.floor(next() * (batch === 75 ? 40 * 24 : 2) * hour);
        const late = next() < 0.1 ? Math.floor(next() * 48 * hour) : 0;
        state = step(state, `s${batch}-${k}`, clock - late).state;
      }
      // As the journey receives it: through JSON (the payload converter).
      const change = roundTrip(snapshotChange(roundTrip(before), state));
      expect(applySnapshotChange(before, change), `batch ${batch}`).to.deep.equal(state);
    }
    expect(state.recentSignalIds).to.have.length(RECENT_SIGNAL_IDS);
  });

  it('carries only what joined and how much left, not the whole memory', () => {
    let state = emptySnapshot();
    for (let i = 0; i < 600; i++) state = step(state, `old-${i}`, t0 + i * 60_000).state;
    const before = state;
    for (let i = 0; i < 3; i++) state = step(state, `new-${i}`, t0 + (600 + i) * 60_000).state;
    const change = snapshotChange(before, state);
    expect(change.recentSignalIds).to.deep.equal({ drop: 3, append: ['new-0', 'new-1', 'new-2'] });
    expect(change.history.drop).to.equal(3);
    expect(change.history.append).to.have.length(3);
    expect(JSON.stringify(change).length, 'bytes').to.be.below(JSON.stringify(state).length / 10);
  });
});
