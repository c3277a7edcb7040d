// Bounds on what callers may send, beyond its shape.

/** How far from now a signal's `occurredAt` may lie (OCCURRED_AT_HORIZON_DAYS, OCCURRED_AT_MAX_FUTURE_MINUTES). */
export interface OccurredAtBounds {
  horizonDays: number;
  maxFutureMinutes: number;
}

// A future date would push the event-time cooldown ahead and suppress the customer's real alerts.
export const DEFAULT_OCCURRED_AT_BOUNDS: OccurredAtBounds = { horizonDays: 400, maxFutureMinutes: 5 };

/** Why an instant is out of bounds, or null. */
export function occurredAtProblem(iso: string, b: OccurredAtBounds, nowMs = Date.now()): string | null {
  const at = Date.parse(iso);
  if (at > nowMs + b.maxFutureMinutes * 60_000) return `must not be more than ${b.maxFutureMinutes} minutes in the future`;
  if (at < nowMs - b.horizonDays * 86_400_000) return `must not be more than ${b.horizonDays} days in the past`;
  return null;
}

export const METADATA_LIMITS = { maxDepth: 4, maxKeys: 100, maxBytes: 8 * 1024 };

/**
 * What is wrong with a metadata object, each with the path (below it) that shows it: nesting deeper
 * than maxDepth objects/arrays (metadata itself is depth 1), more keys than maxKeys in all, or more
 * than maxBytes of JSON.
 */
export function metadataProblems(value: Record<string, unknown>, limits = METADATA_LIMITS): Array<{ path: (string | number)[]; reason: string }> {
  const problems: Array<{ path: (string | number)[]; reason: string }> = [];
  let keys = 0;
  const walk = (v: unknown, path: (string | number)[], depth: number): void => {
    if (v === null || typeof v !== 'object' || keys > limits.maxKeys) return;
    if (depth > limits.maxDepth) {
      problems.push({ path, reason: `nests deeper than ${limits.maxDepth} levels` });
      return;
    }
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i], depth + 1));
    else
      for (const [k, item] of Object.entries(v)) {
        keys++;
        walk(item, [...path, k], depth + 1);
      }
  };
  walk(value, [], 1);
  if (problems.length) return problems.slice(0, 1);
  if (keys > limits.maxKeys) return [{ path: [], reason: `has more than ${limits.maxKeys} keys in all` }];
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > limits.maxBytes) return [{ path: [], reason: `is ${bytes} bytes of JSON, at most ${limits.maxBytes} allowed` }];
  return [];
}
