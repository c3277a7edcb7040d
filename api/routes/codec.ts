// The codec endpoint for the Temporal Web UI and the `temporal` CLI (README "Reading encrypted
// histories"): POST /codec/decode and /codec/encode with {payloads: [{metadata, data}]} in the
// proto3 JSON form (bytes as base64). Operators only; CORS for the Web UI's origins.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Payload } from '@temporalio/common';
import { DomainError } from '../../domain/errors';
import type { CustomerKeyCodec } from '../../privacy/codec';
import { DataKeyDestroyedError } from '../../privacy/data-keys';
import { allow } from '../auth';
import { parse } from '../errors';

const base64 = z.string().max(4_000_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const PayloadsSchema = z.strictObject({
  payloads: z
    .array(z.object({ metadata: z.record(z.string().max(256), base64).optional(), data: base64.optional() }))
    .max(1000),
});

const toPayload = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** CORS for the Web UI: only the configured origins, with the headers the UI sends. */
export function codecCors(origins: string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
}

export function createCodecRouter({ codec }: { codec: CustomerKeyCodec }) {
  const router = Router();
  router.use(allow('operator'));

  router.post('/decode', async (req, res) => {
    const { payloads } = parse(PayloadsSchema, req.body);
    try {
      res.json({ payloads: (await codec.decode(payloads.map(toPayload))).map(fromPayload) });
    } catch (err) {
      if (err instanceof DataKeyDestroyedError) {
        throw new DomainError('gone', 'a payload cannot be decoded: its data key was destroyed when its customer was erased', [{ field: 'payloads', reason: err.message }]);
      }
      throw new DomainError('invalid_input', 'a payload cannot be decoded: it was not encrypted by this platform or is damaged', [{ field: 'payloads', reason: 'not decodable' }]);
    }
  });

  // Encoding from the UI or CLI (e.g. a signal sent by hand) has no workflow context: the system key.
  router.post('/encode', async (req, res) => {
    const { payloads } = parse(PayloadsSchema, req.body);
    res.json({ payloads: (await codec.encode(payloads.map(toPayload))).map(fromPayload) });
  });

  return router;
}
