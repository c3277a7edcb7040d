import { expect } from 'chai';
import { distanceKm } from '../../domain/geo';
import {
  BUCKET_MS,
  DEFAULT_WINDOW_THRESHOLDS as T,
  HOUR_MS,
  evaluateCliff,
  evaluateVolume,
  countsForGeo,
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

describe('geo_concentration (≥ 5 complaints, same root cause, within 50 km of each other, 2 hours)', () => {
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

  it('needs every member within 50 km of every other, not only of the seed', () => {
    // A line north–south through the seed, 22 km apart: all within 45 km of the seed, 89 km end to end.
    const pts = [-2, -1, 0, 1, 2].map((k, i) => point(i, i * 10, k * 0.2));
    expect(distanceKm(pts[0], pts[4])).to.be.above(80);
    expect(findGeoCluster(pts[2], pts, T), 'seeded in the middle').to.equal(null);
    expect(findGeoCluster(pts[0], pts, T), 'seeded at the end').to.equal(null);
  });

  it('still takes members up to 50 km apart (not only a 25 km disk)', () => {
    // Corners of a triangle with 45 km sides (circumradius 26 km), plus two near the third corner.
    const a = point(0, 0);
    const b = { ...point(1, 10), lat: a.lat + 45 / 111.2 };
    const c = { ...point(2, 20), lat: a.lat + 45 / 111.2 / 2, lon: a.lon + (45 * Math.sqrt(3)) / 2 / (111.2 * Math.cos((a.lat * Math.PI) / 180)) };
    const pts = [a, b, c, { ...c, signalId: 'g3', at: T0 + 30 * 60_000 }, { ...c, signalId: 'g4', at: T0 + 40 * 60_000 }];
    const cluster = findGeoCluster(pts[4], pts, T);
    expect(cluster?.signalIds).to.have.length(5);
    expect(cluster!.diameterKm).to.be.within(44, 50);
  });

  it('whatever the layout, a cluster never has two members more than 50 km apart', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let round = 0; round < 200; round++) {
      const pts = Array.from({ length: 12 }, (_, i) => ({ ...point(i, rnd() * 100), lat: berlin.lat + (rnd() - 0.5) * 1.2, lon: berlin.lon + (rnd() - 0.5) * 1.6 }));
      const cluster = findGeoCluster(pts[round % 12], pts, T);
      if (!cluster) continue;
      const members = pts.filter((p) => cluster.signalIds.includes(p.signalId));
      for (const p of members) for (const q of members) expect(distanceKm(p, q)).to.be.at.most(T.geoRadiusKm);
      expect(cluster.diameterKm).to.be.at.most(T.geoRadiusKm);
    }
  });

  it('counts only complaints with a root cause: not praise, neutral remarks or the `other` cause', () => {
    expect(countsForGeo({ label: 'negative', rootCause: 'network_outage' })).to.equal(true);
    expect(countsForGeo({ label: 'positive', rootCause: 'network_outage' }), 'praise').to.equal(false);
    expect(countsForGeo({ label: 'neutral', rootCause: 'network_outage' }), 'a question').to.equal(false);
    expect(countsForGeo({ label: 'negative', rootCause: 'other' }), 'cause unclear').to.equal(false);
    expect(countsForGeo({ label: 'negative', rootCause: null })).to.equal(false);
  });

  it('dedups by root cause and area within the cooldown', () => {
    const fired = recordFiring({}, 'geo_concentration:network_outage', { at: T0, centre: berlin });
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + HOUR_MS, T, { lat: 52.6, lon: 13.4 })).to.equal(true);
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + HOUR_MS, T, { lat: 48.14, lon: 11.58 }), 'Munich is another area').to.equal(false);
    expect(inCooldown(fired, 'geo_concentration:network_outage', T0 + 7 * HOUR_MS, T, berlin), 'after the cooldown').to.equal(false);
  });
});
