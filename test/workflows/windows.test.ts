// A backfill of four days with a planted spike, cliff and regional cluster, fed in seconds.
import { expect } from 'chai';
import { h, eventually, testConfig, uniqueCustomer, useApi } from '../harness';
import { WINDOW_RULES_WORKFLOW_ID, windowRulesStatusQuery } from '../../workflows/windows';

const D = Date.parse('2025-06-02T00:00:00Z');
const HOURS = 96;
const SPIKE_HOUR = 60;
const CLIFF_HOUR = 80;
const GEO_HOUR = 40;
/** Hours with five located signals of one cause near Hamburg that must not cluster. */
const PRAISE_HOUR = 20;
const UNCLEAR_HOUR = 30;
const CHAIN_HOUR = 54;
const HAMBURG = { lat: 53.55, lon: 10.0 };
const MOODS = [0.3, 0.1, -0.1, 0.2, 0.0, 0.4, 0.2, 0.1, 0.3, 0.0];

function backfill(runId: string) {
  const customers = Array.from({ length: 40 }, (_, i) => `${runId}-c${i}`);
  const signals: Record<string, unknown>[] = [];
  const add = (hour: number, minute: number, extra: Record<string, unknown>) =>
    signals.push({
      id: `${runId}-${signals.length}`,
      customerId: customers[signals.length % customers.length],
      type: 'feedback',
      occurredAt: new Date(D + hour * 3_600_000 + minute * 60_000).toISOString(),
      ...extra,
    });
  for (let hour = 0; hour < HOURS; hour++) {
    for (let k = 0; k < 10; k++) {
      const minute = k * 6;
      if (hour === CLIFF_HOUR) add(hour, minute, { analysis: { sentiment: -0.7 } });
      else if (hour === GEO_HOUR && k < 5) {
        // Complaints (negative) about one cause, a few km apart: the planted cluster.
        add(hour, minute, { analysis: { sentiment: -0.4 }, rootCause: 'network_outage', location: { lat: 52.52 + k * 0.03, lon: 13.4 - k * 0.02 } });
      } else if (hour === PRAISE_HOUR && k < 5) {
        add(hour, minute, { analysis: { sentiment: 0.6 }, rootCause: 'network_outage', location: HAMBURG });
      } else if (hour === UNCLEAR_HOUR && k < 5) {
        add(hour, minute, { analysis: { sentiment: -0.4 }, rootCause: 'other', location: HAMBURG });
      } else if (hour === CHAIN_HOUR && k < 5) {
        // A north–south line 22 km apart: each within 45 km of the middle one, 89 km end to end.
        add(hour, minute, { analysis: { sentiment: -0.4 }, rootCause: 'network_outage', location: { lat: HAMBURG.lat + (k - 2) * 0.2, lon: HAMBURG.lon } });
      } else add(hour, minute, { analysis: { sentiment: MOODS[k] } });
    }
    // Regional noise: the same cause far apart never clusters.
    if (hour % 12 === 0) add(hour, 3, { analysis: { sentiment: -0.4 }, rootCause: 'network_outage', location: { lat: 48.14 + hour * 0.1, lon: 11.58 } });
  }
  for (let k = 0; k < 40; k++) add(SPIKE_HOUR, k, { analysis: { sentiment: MOODS[k % 10] } });
  return signals;
}

describe('window rules on a backfill (event time)', () => {
  // Fixed dates, kept apart from other tests' signals: older than the default OCCURRED_AT_HORIZON_DAYS.
  const api = useApi(() => testConfig({ occurredAt: { horizonDays: 100 * 365, maxFutureMinutes: 5 } }));

  async function send(signals: Record<string, unknown>[]) {
    for (let i = 0; i < signals.length; i += 500) {
      const res = await api.http.post('/v1/signals/batch').send({ signals: signals.slice(i, i + 500) });
      expect(res.status).to.equal(202);
    }
  }

  const windowed = async (ids: string[]) =>
    Number((await h().db('signals').whereIn('id', ids).where('windowed', true).count({ n: '*' }).first())!.n);

  const windowAlerts = () =>
    h()
      .db('alerts')
      .whereIn('type', ['volume_spike', 'sentiment_cliff', 'geo_concentration'])
      .whereRaw(`(metadata->>'eventTime')::timestamptz between ? and ?`, [new Date(D), new Date(D + HOURS * 3_600_000)])
      .orderBy('type');

  it('fires exactly the planted spike, cliff and cluster, once each, with their evidence; a second backfill fires nothing new', async function () {
    this.timeout(180_000);
    const signals = backfill(uniqueCustomer('wb'));
    const ids = signals.map((s) => s.id as string);
    await send(signals);
    await eventually(async () => (await windowed(ids)) === ids.length, 150_000, 'all backfilled signals to reach the window rules');

    const alerts = await windowAlerts();
    expect(alerts.map((a) => a.type), JSON.stringify(alerts.map((a) => [a.type, a.evidence.windowStart, a.evidence.count, a.evidence.baseline, a.evidence.threshold]))).to.deep.equal(['geo_concentration', 'sentiment_cliff', 'volume_spike']);
    const [geo, cliff, spike] = alerts;

    expect(spike.evidence, '10 usual + 40 planted + 1 regional').to.include({ count: 51, windowStart: new Date(D + SPIKE_HOUR * 3_600_000).toISOString() });
    expect(spike.evidence.baseline).to.be.closeTo(10, 1);
    expect(spike.evidence.signalIds).to.have.length.greaterThan(0);
    expect(spike.customer_id).to.equal(null);
    expect(spike.recommended_action.de).to.be.a('string').and.not.empty;

    const cliffStart = Date.parse(cliff.evidence.windowStart);
    expect(cliffStart).to.be.within(D + (CLIFF_HOUR - 1) * 3_600_000, D + CLIFF_HOUR * 3_600_000);
    expect(cliff.evidence.baseline - cliff.evidence.average).to.be.greaterThan(0.4);
    expect(cliff.evidence.count).to.be.at.least(10);

    expect(geo.evidence.rootCause).to.equal('network_outage');
    expect(geo.evidence.count).to.equal(5);
    expect(geo.evidence.centre.lat).to.be.closeTo(52.58, 0.05);
    expect(geo.evidence.radiusKm).to.be.below(50);
    expect(geo.evidence.diameterKm).to.be.at.most(50);
    expect(geo.key).to.match(/^network_outage@52\.\d,13\.\d$/);

    // The same days again: every signal is recognised, nothing new fires.
    await send(signals);
    const status = await h().client.workflow.getHandle(WINDOW_RULES_WORKFLOW_ID).query(windowRulesStatusQuery);
    await eventually(async () => (await h().client.workflow.getHandle(WINDOW_RULES_WORKFLOW_ID).query(windowRulesStatusQuery)).runs > status.runs + 1, 20_000, 'the evaluator to run again');
    expect((await windowAlerts()).map((a) => a.id)).to.deep.equal(alerts.map((a) => a.id));
    expect(Number((await h().db('signals').whereIn('id', ids).count({ n: '*' }).first())!.n)).to.equal(ids.length);
  });
});
