import { expect } from 'chai';
import {
  BUCKET_MS,
  DEFAULT_WINDOW_THRESHOLDS as T,
  HOUR_MS,
  evaluateCliff,
  evaluateVolume,
  findGeoCluster,
  inCooldown,
  recordFiring,
  type Bucket,
  type GeoPointSignal,
} from '../../domain/windows';

const T0 = Date.parse('2025-06-02T00:00:00Z');

/** `perHour[i]` signals in hour i, spread over the hour's first bucket, with the given sentiment. */
function buckets(perHour: number[], sentiment: (hour: number) => number = () => 0.2): Bucket[] {
  return perHour.map((n, i) => ({ start: T0 + i * HOUR_MS, count: n, sentimentSum: n * sentiment(i), sentimentCount: n }));
}

describe('volume_spike (EMA baseline + 2σ, event time)', () => {
  it('fires on an hour far above a steady baseline, with the numbers as evidence', () => {
    const b = buckets([...Array(48).fill(10), 50]);
    const spike = evaluateVolume(b, T0 + 48 * HOUR_MS, T);
    expect(spike).to.include({ count: 50, baseline: 10, hoursOfHistory: 48 });
    expect(spike!.threshold).to.be.closeTo(10 + 2 * Math.sqrt(10), 0.01);
  });

  it('does not fire on an ordinary hour or just below the threshold', () => {
    const steady = buckets([...Array(48).fill(10), 16]);
    expect(evaluateVolume(steady, T0 + 48 * HOUR_MS, T)).to.equal(null);
  });

  it('does not fire during warm-up (fewer than 24 hours of history)', () => {
    const b = buckets([...Array(23).fill(10), 200]);
    expect(evaluateVolume(b, T0 + 23 * HOUR_MS, T)).to.equal(null);
  });

  it('does not fire on a handful of signals, whatever the baseline', () => {
    const b = buckets([...Array(48).fill(0.0), 9].map((n, i) => (i === 0 ? 1 : n)));
    expect(evaluateVolume(b, T0 + 48 * HOUR_MS, T)).to.equal(null);
  });
});

describe('sentiment_cliff (1-hour average vs long-term baseline)', () => {
  const end = T0 + 49 * HOUR_MS;
  it('fires when the last hour is more than 0.4 below the baseline', () => {
    const b = buckets(Array(49).fill(10), (h) => (h === 48 ? -0.5 : 0.2));
    expect(evaluateCliff(b, end, T)).to.include({ average: -0.5, baseline: 0.2, count: 10 });
  });

  it('does not fire on a drop of exactly 0.4 or less', () => {
    const b = buckets(Array(49).fill(10), (h) => (h === 48 ? -0.2 : 0.2));
    expect(evaluateCliff(b, end, T)).to.equal(null);
  });

  it('does not fire from three messages', () => {
    const b = buckets([...Array(48).fill(10), 3], (h) => (h === 48 ? -1 : 0.2));
    expect(evaluateCliff(b, end, T)).to.equal(null);
  });

  it('does not fire before the baseline has warmed up', () => {
    const b = buckets(Array(10).fill(10), (h) => (h === 9 ? -1 : 0.2));
    expect(evaluateCliff(b, T0 + 10 * HOUR_MS, T)).to.equal(null);
  });

  it('slides with the five-minute buckets', () => {
    const b: Bucket[] = buckets(Array(48).fill(10));
    b.push({ start: T0 + 48 * HOUR_MS + 30 * 60_000, count: 12, sentimentSum: -12, sentimentCount: 12 });
    expect(evaluateCliff(b, T0 + 48 * HOUR_MS + 35 * 60_000, T)).to.not.equal(null);
    expect(evaluateCliff(b, T0 + 48 * HOUR_MS + 30 * 60_000, T), 'window ends before the bucket').to.equal(null);
    expect(BUCKET_MS).to.equal(5 * 60_000);
  });
});

describe('geo_concentration (≥ 5, same root cause, 50 km, 2 hours)', () => {
  const berlin = { lat: 52.52, lon: 13.405 };
  const point = (i: number, minutes: number, dLat = 0, rootCause = 'network_outage'): GeoPointSignal => ({
    signalId: `g${i}`,
    rootCause,
    lat: berlin.lat + dLat,
    lon: berlin.lon,
    at: T0 + minutes * 60_000,
  });

  it('finds five signals within 50 km and 2 hours, with centre and radius', () => {
    const pts = [0, 20, 40, 60, 80].map((m, i) => point(i, m, i * 0.05));
    const c = findGeoCluster(pts[4], pts, T);
    expect(c?.signalIds).to.have.length(5);
    expect(c!.radiusKm).to.be.below(50);
    expect(c!.centre.lat).to.be.closeTo(52.62, 0.01);
  });

  it('needs five: four are not a cluster', () => {
    const pts = [0, 20, 40, 60].map((m, i) => point(i, m));
    expect(findGeoCluster(pts[0], pts, T)).to.equal(null);
  });

  it('ignores signals farther than 50 km, outside 2 hours, or with another root cause', () => {
    const pts = [point(0, 0), point(1, 10), point(2, 20), point(3, 30, 0.6), point(4, 200), point(5, 40, 0, 'billing_payment')];
    expect(findGeoCluster(pts[0], pts, T)).to.equal(null);
  });

  it('accepts a late signal that completes an earlier cluster', () => {
    const pts = [0, 20, 40, 60].map((m, i) => point(i, m));
    const late = point(9, 10);
    expect(findGeoCluster(late, [...pts, late], T)?.signalIds).to.have.length(5);
  });

  it('dedups by root cause and area within the cooldown', () => {
    const fired = recordFiring({}, 'geo_concentration:network_outage', { at: T0, centre: berlin });
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + HOUR_MS, T, { lat: 52.6, lon: 13.4 })).to.equal(true);
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + HOUR_MS, T, { lat: 48.14, lon: 11.58 }), 'Munich is another area').to.equal(false);
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + 7 * HOUR_MS, T, berlin), 'after the cooldown').to.equal(false);
  });
});
