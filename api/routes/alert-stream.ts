import type { RequestHandler } from 'express';
import { createSession } from 'better-sse';
import { InvalidInputError } from '../../domain/errors';
import type { AlertFeed } from '../alert-feed';
import { parse } from '../errors';
import { AlertCountsQuerySchema } from '../schemas';

/**
 * GET /v1/alerts/stream: server-sent events for new alerts and lifecycle changes, filtered like
 * the list. Event ids are the timeline's ids, so a reconnecting client that sends Last-Event-ID
 * gets what it missed before the live events.
 */
export function alertStreamHandler(feed: AlertFeed, keepAliveMs = 15_000): RequestHandler {
  return async (req, res) => {
    const filter = parse(AlertCountsQuerySchema, req.query, 'query');
    const header = req.get('Last-Event-ID');
    if (header !== undefined && !/^\d+$/.test(header)) {
      throw new InvalidInputError('invalid header', [{ field: 'Last-Event-ID', reason: 'must be an event id received from this stream' }]);
    }
    const session = await createSession(req, res, { keepAlive: keepAliveMs, retry: 2000, trustClientEventId: false });
    await feed.subscribe(session, filter, header === undefined ? null : Number(header));
  };
}
