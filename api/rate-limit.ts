// Rate limits whose counters live in Postgres (rate-limiter-flexible), so they hold across API
// replicas: per API key on /v1, per client address on the public endpoints (survey, webhooks) and
// on failed authentication. A throttled caller gets 429 with Retry-After.
import type { Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig } from '../config';
import type { Db } from '../db';
import { TooManyRequestsError } from '../domain/errors';

export type Limit = 'key' | 'survey' | 'webhook' | 'authFailure';

export class RateLimits {
  private readonly limiters: Partial<Record<Limit, RateLimiterAbstract>> = {};

  constructor(db: Db, config: RateLimitConfig) {
    const make = (prefix: Limit, points: number, blockDuration = 0) => {
      if (points <= 0) return;
      // If Postgres does not answer, counting goes on in this process rather than failing requests.
      const insuranceLimiter = new RateLimiterMemory({ keyPrefix: prefix, points, duration: 60, blockDuration });
      this.limiters[prefix] = new RateLimiterPostgres({
        storeClient: db,
        storeType: 'knex',
        tableName: 'rate_limits',
        tableCreated: true,
        clearExpiredByTimeout: true,
        keyPrefix: prefix,
        points,
        duration: 60,
        blockDuration,
        // Once over the limit, refuse from memory without asking Postgres again.
        inMemoryBlockOnConsumed: points,
        inMemoryBlockDuration: 10,
        insuranceLimiter,
      });
    };
    make('key', config.keyPerMinute);
    make('survey', config.surveyPerMinute);
    make('webhook', config.webhookPerMinute);
    make('authFailure', config.authFailuresPerMinute, 60);
  }

  /** Counts one request against `limit` for `who`; throws a 429 when over. */
  async consume(limit: Limit, who: string, res?: Response): Promise<void> {
    const limiter = this.limiters[limit];
    if (!limiter) return;
    try {
      const r = await limiter.consume(who);
      res?.setHeader('RateLimit-Remaining', String(r.remainingPoints));
    } catch (rej) {
      if (!(rej instanceof RateLimiterRes)) throw rej;
      const seconds = Math.max(1, Math.ceil(rej.msBeforeNext / 1000));
      throw new TooManyRequestsError(`too many requests; try again in ${seconds} s`, seconds);
    }
  }

  /** Refuses an address that failed authentication too often, without counting this request. */
  async assertNotBlocked(who: string): Promise<void> {
    const limiter = this.limiters.authFailure;
    if (!limiter) return;
    const r = await limiter.get(who).catch(() => null);
    if (r && r.consumedPoints > limiter.points) {
      const seconds = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
      throw new TooManyRequestsError(`too many failed authentications from this address; try again in ${seconds} s`, seconds);
    }
  }

  /** Middleware: per client address. */
  byAddress(limit: Limit): RequestHandler {
    return async (req, res, next) => {
      await this.consume(limit, clientAddress(req), res);
      next();
    };
  }
}

export const clientAddress = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
