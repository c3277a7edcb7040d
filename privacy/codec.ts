// The payload codec (README "Privacy"): every payload that goes to Temporal — workflow inputs,
// signals, queries and their results, activity inputs and results — is encrypted with AES-256-GCM
// under its customer's data key. The customer comes from the serialization context (the workflow id
// the payload belongs to), the key id travels in the payload's metadata, so decoding needs no
// context and rotated keys keep decoding old histories. Used by the API's client, the worker and
// the codec endpoint alike.
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { subjectOfWorkflowId } from '../domain/messages';
import { DataKeyStore, decryptWith, encryptWith, SYSTEM_SUBJECT } from './data-keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : '');

/** Whose payload this is: the customer of the workflow it belongs to, or no one's. */
export function subjectOfContext(context?: SerializationContext): string {
  const workflowId = context?.workflowId;
  return (workflowId && subjectOfWorkflowId(workflowId)) || SYSTEM_SUBJECT;
}

export class CustomerKeyCodec implements PayloadCodec {
  constructor(readonly keys: DataKeyStore) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    if (payloads.length === 0) return payloads;
    const key = await this.keys.currentKey(subjectOfContext(context));
    return payloads.map((p) => ({
      metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID]: text(key.id) },
      data: encryptWith(key.key, Buffer.from(temporal.api.common.v1.Payload.encode(p).finish()), key.id),
    }));
  }

  /** Payloads not encrypted by us (recorded histories from before encryption) pass through. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (p) => {
        if (str(p.metadata?.encoding) !== ENCRYPTED_ENCODING) return p;
        const id = str(p.metadata?.[KEY_ID]);
        const key = await this.keys.keyById(id);
        return temporal.api.common.v1.Payload.decode(decryptWith(key.key, Buffer.from(p.data ?? new Uint8Array()), id));
      }),
    );
  }
}
