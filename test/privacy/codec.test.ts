// The payload codec's keys: one per subject, rotation that keeps old payloads readable, master key
// rotation that rewraps data keys, and destruction that makes their payloads unreadable for good.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Payload } from '@temporalio/common';
import { CustomerKeyCodec, ENCRYPTED_ENCODING } from '../../privacy/codec';
import { DataKeyDestroyedError, DataKeyStore, type MasterKey } from '../../privacy/data-keys';
import { h, uniqueCustomer } from '../harness';

const json = (v: unknown): Payload => ({ metadata: { encoding: new TextEncoder().encode('json/plain') }, data: new TextEncoder().encode(JSON.stringify(v)) });
const text = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString();
const keyIdOf = (p: Payload) => Buffer.from(p.metadata!['encryption-key-id']!).toString();
const ctx = (customerId: string) => ({ type: 'workflow' as const, namespace: 'default', workflowId: `customer-journey/${customerId}` });

describe('privacy: the payload codec and its keys', () => {
  const m1: MasterKey = { id: 'm1', key: randomBytes(32) };
  const m2: MasterKey = { id: 'm2', key: randomBytes(32) };

  it('encrypts per customer, decodes without context, and leaves unencrypted payloads as they are', async () => {
    const codec = new CustomerKeyCodec(new DataKeyStore(h().db, [m1]));
    const a = uniqueCustomer('a');
    const b = uniqueCustomer('b');
    const [pa] = await codec.encode([json({ text: 'secret of a' })], ctx(a));
    const [pb] = await codec.encode([json({ text: 'secret of b' })], ctx(b));
    expect(Buffer.from(pa.metadata!.encoding!).toString()).to.equal(ENCRYPTED_ENCODING);
    expect(text(pa)).to.not.include('secret');
    expect(keyIdOf(pa)).to.not.equal(keyIdOf(pb));
    const [back] = await codec.decode([pa]);
    expect(text(back)).to.include('secret of a');
    const plain = json({ old: true });
    expect(await codec.decode([plain])).to.deep.equal([plain]);
    const tampered = { ...pa, data: Buffer.from(pa.data!).map((x, i) => (i === 20 ? x ^ 1 : x)) };
    let failed = false;
    await codec.decode([tampered]).catch(() => (failed = true));
    expect(failed, 'a tampered payload is refused').to.equal(true);
  });

  it('makes one key for a new customer however many payloads ask for it at once, and finds it again in another process', async () => {
    const a = uniqueCustomer('first-use');
    const store = new DataKeyStore(h().db, [m1]);
    const keys = await Promise.all(Array.from({ length: 20 }, () => store.currentKey(a)));
    expect(new Set(keys.map((k) => k.id)).size).to.equal(1);
    expect(await h().db('data_keys').where({ subject: a }).count({ n: '*' }).first()).to.deep.equal({ n: 1 });
    // Another process (its own store and cache) finds the same key, and a payload it encodes decodes here.
    const other = new CustomerKeyCodec(new DataKeyStore(h().db, [m1]));
    const [p] = await other.encode([json({ text: 'hello' })], ctx(a));
    expect(keyIdOf(p)).to.equal(keys[0].id);
    expect(text((await new CustomerKeyCodec(store).decode([p]))[0])).to.include('hello');
  });

  it('looks a key up once when another process decodes many of its payloads at once', async () => {
    const a = uniqueCustomer('decode-many');
    const payloads = await new CustomerKeyCodec(new DataKeyStore(h().db, [m1])).encode(
      Array.from({ length: 10 }, (_, i) => json({ n: i })),
      ctx(a),
    );
    const lookups: string[] = [];
    const count = (q: { sql: string }) => void (/data_keys/.test(q.sql) && lookups.push(q.sql));
    h().db.on('query', count);
    try {
      // The worker decodes a workflow task's payloads (and a local activity's) concurrently.
      const codec = new CustomerKeyCodec(new DataKeyStore(h().db, [m1]));
      const decoded = await Promise.all(payloads.map((p) => codec.decode([p])));
      expect(decoded.map(([p]) => text(p))).to.deep.equal(Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })));
    } finally {
      h().db.off('query', count);
    }
    expect(lookups, 'statements on data_keys').to.have.length(1);
  });

  it('rotates a customer’s key: new payloads use the new key, old ones still decode', async () => {
    const store = new DataKeyStore(h().db, [m1]);
    const codec = new CustomerKeyCodec(store);
    const c = uniqueCustomer('rot');
    const [before] = await codec.encode([json('before')], ctx(c));
    await store.rotate(c);
    const [after] = await codec.encode([json('after')], ctx(c));
    expect(keyIdOf(after)).to.not.equal(keyIdOf(before));
    expect((await codec.decode([before, after])).map(text)).to.deep.equal(['"before"', '"after"']);
  });

  it('rotates the master key: data keys wrapped by the old one are rewrapped on use, then the old one can go', async () => {
    const c = uniqueCustomer('master');
    const [p] = await new CustomerKeyCodec(new DataKeyStore(h().db, [m1])).encode([json('kept')], ctx(c));
    expect((await h().db('data_keys').where({ subject: c }).first()).master_key_id).to.equal('m1');
    expect(text((await new CustomerKeyCodec(new DataKeyStore(h().db, [m2, m1])).decode([p]))[0])).to.equal('"kept"');
    expect((await h().db('data_keys').where({ subject: c }).first()).master_key_id).to.equal('m2');
    expect(text((await new CustomerKeyCodec(new DataKeyStore(h().db, [m2])).decode([p]))[0])).to.equal('"kept"');
  });

  it('destroys a customer’s keys: their payloads can never be decoded again, in this process or a new one', async () => {
    const store = new DataKeyStore(h().db, [m1]);
    const codec = new CustomerKeyCodec(store);
    const c = uniqueCustomer('shred');
    const [p] = await codec.encode([json('gone')], ctx(c));
    expect(await store.destroy(c)).to.equal(1);
    for (const reader of [codec, new CustomerKeyCodec(new DataKeyStore(h().db, [m1]))]) {
      let err: unknown;
      await reader.decode([p]).catch((e) => (err = e));
      expect(err).to.be.instanceOf(DataKeyDestroyedError);
    }
  });
});
