// A local server that answers like Twilio's Messages API, for the real twilio SDK; and signed
// webhooks the way Twilio sends them.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { startFakeServer } from './http';

export interface FakeSms {
  sid: string;
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  at: number;
}

export async function startFakeTwilio(opts: { accountSid: string; authToken: string }) {
  const messages: FakeSms[] = [];
  const requests: { method: string; path: string }[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const server = await startFakeServer((req) => {
    requests.push({ method: req.method, path: req.path });
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.path);
    if (!m || req.method !== 'POST') return { status: 404, json: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    if (req.headers.authorization !== expectedAuth || m[1] !== opts.accountSid) {
      return { status: 401, json: { code: 20003, message: 'Authenticate', status: 401 } };
    }
    const p = new URLSearchParams(req.body);
    const to = p.get('To');
    const body = p.get('Body');
    if (!to || !body) return { status: 400, json: { code: 21604, message: "A 'To' phone number and a 'Body' are required.", status: 400 } };
    const sms: FakeSms = { sid: `SM${randomBytes(16).toString('hex')}`, to, from: p.get('From') ?? '', body, statusCallback: p.get('StatusCallback'), at: Date.now() };
    messages.push(sms);
    const now = new Date().toUTCString();
    return {
      status: 201,
      json: {
        sid: sms.sid,
        account_sid: opts.accountSid,
        to,
        from: sms.from,
        body,
        status: 'queued',
        direction: 'outbound-api',
        num_segments: '1',
        date_created: now,
        date_updated: now,
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${opts.accountSid}/Messages/${sms.sid}.json`,
      },
    };
  });
  return {
    ...server,
    messages,
    requests,
    /** The X-Twilio-Signature Twilio would send for this URL and form. */
    sign: (url: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(opts.authToken, url, params),
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
