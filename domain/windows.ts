// The window rules (DESIGN.md §2, rules 5-7), in event time. Pure: the activity feeds them
// five-minute buckets and located points read from the database.
import { distanceKm, EARTH_RADIUS_KM } from './geo';
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
  /** The largest distance between two members: never more than geoRadiusKm. */
  diameterKm: number;
  windowStart: number;
  windowEnd: number;
  signalIds: string[];
}

/**
 * Whether a located signal takes part in geo_concentration: a complaint (labelled negative) with
 * a root cause to act on. Praise, neutral remarks and the catch-all `other` never cluster.
 */
export function countsForGeo(a: { label: string; rootCause: string | null }): boolean {
  return a.label === 'negative' && !!a.rootCause && a.rootCause !== 'other';
}

/**
 * geo_concentration around `seed`: signals with its root cause, all within geoRadiusKm of each
 * other (not only of the seed) and inside one geoWindowMinutes window that contains the seed.
 * For each such window, members are taken nearest the seed first, each only if it is within
 * geoRadiusKm of every member taken so far; the largest group wins. Greedy, so an unusual layout
 * may be under-counted, never over-counted. Fires at geoMinCount. Late arrivals work: the window
 * may lie before or after the seed.
 */
export function findGeoCluster(seed: GeoPointSignal, candidates: readonly GeoPointSignal[], t: WindowThresholds): GeoCluster | null {
  const span = t.geoWindowMinutes * 60_000;
  const near = candidates
    .filter((c) => c.signalId !== seed.signalId && c.rootCause === seed.rootCause && Math.abs(c.at - seed.at) <= span)
    .map((c) => ({ c, d: distanceKm(seed, c) }))
    .filter((x) => x.d <= t.geoRadiusKm)
    .sort((a, b) => a.d - b.d || a.c.at - b.c.at || a.c.signalId.localeCompare(b.c.signalId))
    .map((x) => x.c);
  // Who is within geoRadiusKm of whom, once, as bitsets (index 0 is the seed, near to all).
  const pts = [seed, ...near];
  const words = Math.ceil(pts.length / 32);
  const close = new Uint32Array(pts.length * words);
  const link = (i: number, j: number) => (close[i * words + (j >>> 5)] |= 1 << (j & 31));
  // Unit vectors: the dot product decides quickly; haversine only right at the boundary.
  const unit = pts.map((p) => {
    const [la, lo] = [(p.lat * Math.PI) / 180, (p.lon * Math.PI) / 180];
    return [Math.cos(la) * Math.cos(lo), Math.cos(la) * Math.sin(lo), Math.sin(la)];
  });
  const cosR = Math.cos(t.geoRadiusKm / EARTH_RADIUS_KM);
  const within = (i: number, j: number) => {
    const dot = unit[i][0] * unit[j][0] + unit[i][1] * unit[j][1] + unit[i][2] * unit[j][2];
    return Math.abs(dot - cosR) > 1e-9 ? dot > cosR : distanceKm(pts[i], pts[j]) <= t.geoRadiusKm;
  };
  for (let i = 0; i < pts.length; i++) {
    for (let j = i + 1; j < pts.length; j++) if (i === 0 || within(i, j)) link(i, j), link(j, i);
  }
  // The windows that contain the seed start at the seed or at a candidate up to one span before it.
  const starts = [...new Set([seed.at, ...near.filter((c) => c.at < seed.at).map((c) => c.at)])].sort((a, b) => a - b);
  let best: GeoPointSignal[] = [seed];
  for (const start of starts) {
    const inWindow = (p: GeoPointSignal) => p.at >= start && p.at <= start + span;
    if (near.filter(inWindow).length + 1 <= best.length) continue;
    // `open` holds the points still within reach of every member taken so far.
    const open = close.slice(0, words);
    const members = [seed];
    for (let i = 1; i < pts.length; i++) {
      if (!inWindow(pts[i]) || !(open[i >>> 5] & (1 << (i & 31)))) continue;
      members.push(pts[i]);
      for (let w = 0; w < words; w++) open[w] &= close[i * words + w];
    }
    if (members.length > best.length) best = members;
  }
  if (best.length < t.geoMinCount) return null;
  best.sort((a, b) => a.at - b.at || a.signalId.localeCompare(b.signalId));
  const centre = { lat: round(mean(best.map((b) => b.lat)), 4), lon: round(mean(best.map((b) => b.lon)), 4) };
  let diameter = 0;
  for (let i = 0; i < best.length; i++) for (let j = i + 1; j < best.length; j++) diameter = Math.max(diameter, distanceKm(best[i], best[j]));
  return {
    rootCause: seed.rootCause,
    centre,
    radiusKm: round(Math.max(...best.map((b) => distanceKm(centre, b))), 1),
    diameterKm: round(diameter, 1),
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
