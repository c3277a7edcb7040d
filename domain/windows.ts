// The window rules (DESIGN.md §2, rules 5-7), in event time. Pure: the activity feeds them
// five-minute buckets and located points read from the database.
import { distanceKm } from './geo';
import type { GeoPoint } from './types';

export const BUCKET_MS = 5 * 60_000;
export const HOUR_MS = 3_600_000;

export interface WindowThresholds {
  /** volume_spike: hourly volume > EMA baseline + spikeSigmas × σ ... */
  spikeSigmas: number;
  /** ... and at least this many signals in the hour (no spike from a handful). */
  spikeMinCount: number;
  /** EMA span in hours (α = 2 / (span + 1)). */
  emaSpanHours: number;
  /** No spike or cliff before the lookback holds this many hours since the first signal. */
  warmupHours: number;
  /** Hours of history the baselines look at; also the accepted lateness of a signal. */
  lookbackHours: number;
  /** sentiment_cliff: 1-hour average more than cliffDrop below the long-term baseline ... */
  cliffDrop: number;
  /** ... with at least this many scored signals in the hour and in the baseline. */
  cliffMinCount: number;
  cliffMinBaselineCount: number;
  /** geo_concentration: at least geoMinCount signals, same root cause, within geoRadiusKm, within geoWindowMinutes. */
  geoMinCount: number;
  geoRadiusKm: number;
  geoWindowMinutes: number;
  /** The same rule and key (root cause and area for geo) within this many minutes (event time) is suppressed. */
  cooldownMinutes: number;
}

export const DEFAULT_WINDOW_THRESHOLDS: WindowThresholds = {
  spikeSigmas: 2,
  spikeMinCount: 10,
  emaSpanHours: 24,
  warmupHours: 24,
  lookbackHours: 7 * 24,
  cliffDrop: 0.4,
  cliffMinCount: 10,
  cliffMinBaselineCount: 50,
  geoMinCount: 5,
  geoRadiusKm: 50,
  geoWindowMinutes: 120,
  cooldownMinutes: 6 * 60,
};

/** Signals (and scored sentiment) in one five-minute bucket of event time. */
export interface Bucket {
  start: number; // epoch ms, multiple of BUCKET_MS
  count: number;
  sentimentSum: number;
  sentimentCount: number;
}

export const bucketStart = (t: number) => Math.floor(t / BUCKET_MS) * BUCKET_MS;
export const hourStart = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

/** Hourly counts from `from` (inclusive) to `to` (exclusive), zeros included. */
function hourlyCounts(buckets: readonly Bucket[], from: number, to: number): number[] {
  const counts = new Array(Math.max(0, Math.round((to - from) / HOUR_MS))).fill(0);
  for (const b of buckets) if (b.start >= from && b.start < to) counts[Math.floor((b.start - from) / HOUR_MS)] += b.count;
  return counts;
}

export interface VolumeSpike {
  hour: number;
  count: number;
  baseline: number;
  sigma: number;
  threshold: number;
  hoursOfHistory: number;
}

/**
 * volume_spike for the hour starting at `hour`: its count against an exponential moving
 * average of the hours before it (zeros count: a quiet hour is data). σ is the EMA's standard
 * deviation, floored at √mean (Poisson noise) so a perfectly regular history does not make
 * every extra signal a spike.
 */
export function evaluateVolume(buckets: readonly Bucket[], hour: number, t: WindowThresholds): VolumeSpike | null {
  const from = hour - t.lookbackHours * HOUR_MS;
  const firstData = Math.min(...buckets.filter((b) => b.start >= from && b.start < hour && b.count > 0).map((b) => b.start));
  if (!Number.isFinite(firstData)) return null;
  const hoursOfHistory = Math.floor((hour - hourStart(firstData)) / HOUR_MS);
  if (hoursOfHistory < t.warmupHours) return null;
  const history = hourlyCounts(buckets, hourStart(firstData), hour);
  const alpha = 2 / (t.emaSpanHours + 1);
  let mean = history[0];
  let variance = 0;
  for (const x of history.slice(1)) {
    const diff = x - mean;
    mean += alpha * diff;
    variance = (1 - alpha) * (variance + alpha * diff * diff);
  }
  const sigma = Math.max(Math.sqrt(variance), Math.sqrt(mean), 1);
  const threshold = mean + t.spikeSigmas * sigma;
  const count = hourlyCounts(buckets, hour, hour + HOUR_MS)[0];
  if (count < t.spikeMinCount || count <= threshold) return null;
  return { hour, count, baseline: round(mean), sigma: round(sigma), threshold: round(threshold), hoursOfHistory };
}

export interface SentimentCliff {
  windowStart: number;
  windowEnd: number;
  average: number;
  count: number;
  baseline: number;
  baselineCount: number;
}

/**
 * sentiment_cliff for the hour ending at `end` (a bucket boundary): the average sentiment of the
 * scored signals in (end − 1 h, end] against the long-term baseline, the average over the
 * lookback before that hour.
 */
export function evaluateCliff(buckets: readonly Bucket[], end: number, t: WindowThresholds): SentimentCliff | null {
  const windowStart = end - HOUR_MS;
  const from = windowStart - t.lookbackHours * HOUR_MS;
  let sum = 0;
  let n = 0;
  let baseSum = 0;
  let baseN = 0;
  let firstData = Infinity;
  for (const b of buckets) {
    if (b.start >= windowStart && b.start < end) {
      sum += b.sentimentSum;
      n += b.sentimentCount;
    } else if (b.start >= from && b.start < windowStart && b.sentimentCount > 0) {
      baseSum += b.sentimentSum;
      baseN += b.sentimentCount;
      firstData = Math.min(firstData, b.start);
    }
  }
  if (n < t.cliffMinCount || baseN < t.cliffMinBaselineCount) return null;
  if ((windowStart - firstData) / HOUR_MS < t.warmupHours) return null;
  const average = sum / n;
  const baseline = baseSum / baseN;
  if (baseline - average <= t.cliffDrop) return null;
  return { windowStart, windowEnd: end, average: round(average), count: n, baseline: round(baseline), baselineCount: baseN };
}

export interface GeoPointSignal extends GeoPoint {
  signalId: string;
  rootCause: string;
  at: number;
}

export interface GeoCluster {
  rootCause: string;
  centre: GeoPoint;
  radiusKm: number;
  windowStart: number;
  windowEnd: number;
  signalIds: string[];
}

/**
 * geo_concentration around `seed`: the signals with its root cause within geoRadiusKm of it,
 * and among those the largest group inside one geoWindowMinutes window that contains the seed.
 * Fires at geoMinCount. Late arrivals work: the window may lie before or after the seed.
 */
export function findGeoCluster(seed: GeoPointSignal, candidates: readonly GeoPointSignal[], t: WindowThresholds): GeoCluster | null {
  const span = t.geoWindowMinutes * 60_000;
  const near = candidates
    .filter((c) => c.rootCause === seed.rootCause && Math.abs(c.at - seed.at) <= span && distanceKm(seed, c) <= t.geoRadiusKm)
    .sort((a, b) => a.at - b.at || a.signalId.localeCompare(b.signalId));
  if (!near.some((c) => c.signalId === seed.signalId)) near.push(seed), near.sort((a, b) => a.at - b.at);
  let best: GeoPointSignal[] = [];
  for (let i = 0, j = 0; j < near.length; j++) {
    while (near[j].at - near[i].at > span) i++;
    const group = near.slice(i, j + 1);
    if (group.length > best.length && group.some((g) => g.signalId === seed.signalId)) best = group;
  }
  if (best.length < t.geoMinCount) return null;
  const centre = { lat: round(mean(best.map((b) => b.lat)), 4), lon: round(mean(best.map((b) => b.lon)), 4) };
  return {
    rootCause: seed.rootCause,
    centre,
    radiusKm: round(Math.max(...best.map((b) => distanceKm(centre, b))), 1),
    windowStart: best[0].at,
    windowEnd: best[best.length - 1].at,
    signalIds: best.map((b) => b.signalId),
  };
}

/** Where and when each window rule fired, for dedup in event time (and space, for geo). */
export interface WindowFiring {
  at: number;
  centre?: GeoPoint;
}
export type WindowCooldowns = Partial<Record<string, WindowFiring[]>>;

/** True when `key` fired within the cooldown of `at` (and, with a centre, within the radius of it). */
export function inCooldown(cooldowns: WindowCooldowns, key: string, at: number, t: WindowThresholds, centre?: GeoPoint): boolean {
  return (cooldowns[key] ?? []).some(
    (f) => Math.abs(f.at - at) < t.cooldownMinutes * 60_000 && (!centre || !f.centre || distanceKm(centre, f.centre) <= t.geoRadiusKm),
  );
}

export function recordFiring(cooldowns: WindowCooldowns, key: string, firing: WindowFiring): WindowCooldowns {
  return { ...cooldowns, [key]: [...(cooldowns[key] ?? []), firing] };
}

/** Drops firings that can no longer suppress anything (older than lookback + cooldown before `newest`). */
export function pruneWindowCooldowns(cooldowns: WindowCooldowns, newest: number, t: WindowThresholds): WindowCooldowns {
  const horizon = newest - (t.lookbackHours * 60 + t.cooldownMinutes) * 60_000;
  const out: WindowCooldowns = {};
  for (const [k, v] of Object.entries(cooldowns)) {
    const kept = (v ?? []).filter((f) => f.at > horizon);
    if (kept.length) out[k] = kept;
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
