import type { RequestHandler } from 'express';
import { createSession } from 'better-sse';
import { InvalidInputError, TooManyRequestsError } from '../../domain/errors';
import type { AlertFeed } from '../alert-feed';
import { principalOf, scoped } from '../auth';
import { parse } from '../errors';
import { AlertCountsQuerySchema } from '../schemas';

/**
 * GET /v1/alerts/stream: server-sent events for new alerts and lifecycle changes, filtered like
 * the list and limited to the key's customers. Event ids are the timeline's ids, so a reconnecting
 * client that sends Last-Event-ID gets what it missed (at most `maxReplay` events) before the live
 * events. A key holds at most `maxPerKey` open streams in this process.
 */
export function alertStreamHandler(feed: AlertFeed, opts: { maxPerKey: number; maxReplay: number; keepAliveMs?: number }): RequestHandler {
  const open = new Map<string, number>();
  return async (req, res) => {
    const filter = scoped(res, parse(AlertCountsQuerySchema, req.query, 'query'));
    const header = req.get('Last-Event-ID');
    let lastEventId: number | null = null;
    if (header !== undefined) {
      const bad = (reason: string) => new InvalidInputError('invalid header', [{ field: 'Last-Event-ID', reason }]);
      if (!/^\d{1,15}$/.test(header)) throw bad('must be an event id received from this stream');
      lastEventId = Number(header);
      const problem = await feed.replayProblem(lastEventId, opts.maxReplay);
      if (problem) throw bad(problem);
    }
    const { keyId } = principalOf(res);
    const count = open.get(keyId) ?? 0;
    if (count >= opts.maxPerKey) throw new TooManyRequestsError(`this key already has ${count} open alert streams; close one first`, 5);
    open.set(keyId, count + 1);
    const release = () => {
      const n = (open.get(keyId) ?? 1) - 1;
      if (n > 0) open.set(keyId, n);
      else open.delete(keyId);
    };
    let session;
    try {
      session = await createSession(req, res, { keepAlive: opts.keepAliveMs ?? 15_000, retry: 2000, trustClientEventId: false });
    } catch (err) {
      release();
      throw err;
    }
    session.once('disconnected', release);
    await feed.subscribe(session, filter, lastEventId);
  };
}
