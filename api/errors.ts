import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { DomainError, InvalidInputError, TooManyRequestsError, UnauthorizedError } from '../domain/errors';
import type { Logger } from './logger';

const STATUS_BY_CODE: Record<string, number> = {
  invalid_input: 400,
  not_found: 404,
  invalid_transition: 409,
  idempotency_conflict: 409,
  already_answered: 409,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  gone: 410,
  too_many_requests: 429,
};

/** Parses with a zod schema or throws a 400 that names each bad field and why. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new InvalidInputError(
    `invalid ${where}`,
    r.error.issues.map((i) => ({
      field: i.path.length ? i.path.join('.') : (i as { keys?: string[] }).keys?.join(', ') ?? where,
      reason: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
    })),
  );
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}`, details: [] } });
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof TooManyRequestsError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof UnauthorizedError) res.setHeader('WWW-Authenticate', 'Bearer');
    if (err instanceof DomainError) {
      res.status(STATUS_BY_CODE[err.code] ?? 400).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    // body-parser's own errors carry a status and a type.
    if (err?.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'payload_too_large', message: `body exceeds ${err.limit} bytes`, details: [] } });
      return;
    }
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'body is not valid JSON', details: [{ field: 'body', reason: err.message }] } });
      return;
    }
    if (err?.type === 'charset.unsupported' || err?.type === 'encoding.unsupported') {
      res.status(415).json({ error: { code: 'unsupported_media_type', message: err.message, details: [] } });
      return;
    }
    // Any other client error Express or body-parser raised (a path it could not decode, a body it
    // could not read): a 4xx in our shape, never a 500.
    const status = Number(err?.status ?? err?.statusCode);
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'invalid_request', message: err.expose ? String(err.message) : 'invalid request', details: [] } });
      return;
    }
    // The database is unreachable (restarting, failed over, pool timed out): nothing was accepted,
    // and the client should retry shortly rather than treat it as our bug.
    if (isDatabaseUnavailable(err)) {
      log.warn({ err: { name: err?.name, code: err?.code }, requestId: res.locals.requestId, method: req.method, route: req.route?.path }, 'database unavailable');
      res.setHeader('Retry-After', '5');
      res.status(503).json({ error: { code: 'unavailable', message: 'the database is unavailable; nothing was changed, retry shortly', details: [] } });
      return;
    }
    log.error({ err: { name: err?.name, message: err?.message, stack: err?.stack }, requestId: res.locals.requestId, method: req.method, route: req.route?.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'internal error', details: [] } });
  };
}

/**
 * Errors that mean Postgres could not be reached or dropped the connection: refused or reset
 * sockets, the server shutting down or starting (SQLSTATE 57P01-57P03), connection exceptions
 * (class 08), and knex's pool giving up waiting for a connection.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code) || code.startsWith('08')) return true;
  if (e.name === 'KnexTimeoutError') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection is closed|terminating connection due to administrator command/i.test(message);
}
