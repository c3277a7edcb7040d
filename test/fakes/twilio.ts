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
  let dropNextCreateReplies = 0;
  const expectedAuth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  const server = await startFakeServer((req) => {
    requests.push({ method: req.method, path: req.path });
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.path);
    if (!m || (req.method !== 'POST' && req.method !== 'GET')) return { status: 404, json: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    if (req.headers.authorization !== expectedAuth || m[1] !== opts.accountSid) {
      return { status: 401, json: { code: 20003, message: 'Authenticate', status: 401 } };
    }
    if (req.method === 'GET') return list(req.query);
    const p = new URLSearchParams(req.body);
    const to = p.get('To');
    const body = p.get('Body');
    if (!to || !body) return { status: 400, json: { code: 21604, message: "A 'To' phone number and a 'Body' are required.", status: 400 } };
    const sms: FakeSms = { sid: `SM${randomBytes(16).toString('hex')}`, to, from: p.get('From') ?? '', body, statusCallback: p.get('StatusCallback'), at: Date.now() };
    messages.push(sms);
    if (dropNextCreateReplies > 0) {
      dropNextCreateReplies -= 1;
      return { status: 500, json: { code: 20500, message: 'Internal Server Error (accepted, but the reply was lost)', status: 500 } };
    }
    return { status: 201, json: resource(sms) };
  });

  /** A message as the API shows it; the fake sends at once, so DateSent is the creation time. */
  const resource = (sms: FakeSms) => {
    const at = new Date(sms.at).toUTCString();
    return {
      sid: sms.sid,
      account_sid: opts.accountSid,
      to: sms.to,
      from: sms.from,
      body: sms.body,
      status: 'queued',
      direction: 'outbound-api',
      num_segments: '1',
      date_created: at,
      date_updated: at,
      date_sent: at,
      error_code: null,
      error_message: null,
      price: null,
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${opts.accountSid}/Messages/${sms.sid}.json`,
    };
  };

  /** GET Messages.json: To, From, DateSent / DateSent< / DateSent> (a date or a date-time), newest first, one page. */
  const list = (q: URLSearchParams) => {
    const bound = (v: string | null) => (v ? new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v).getTime() : null);
    const after = bound(q.get('DateSent>'));
    const before = bound(q.get('DateSent<'));
    const on = q.get('DateSent');
    const pageSize = Math.min(Number(q.get('PageSize') ?? 50), 1000);
    const found = messages
      .filter((x) => (!q.get('To') || x.to === q.get('To')) && (!q.get('From') || x.from === q.get('From')))
      .filter((x) => (after === null || x.at >= after) && (before === null || x.at <= before) && (!on || new Date(x.at).toISOString().slice(0, 10) === on.slice(0, 10)))
      .sort((a, b) => b.at - a.at)
      .slice(0, pageSize);
    const uri = `/2010-04-01/Accounts/${opts.accountSid}/Messages.json`;
    return { status: 200, json: { messages: found.map(resource), uri, first_page_uri: uri, next_page_uri: null, previous_page_uri: null, page: 0, page_size: pageSize, start: 0, end: found.length } };
  };
  return {
    ...server,
    messages,
    requests,
    /** The X-Twilio-Signature Twilio would send for this URL and form. */
    sign: (url: string, params: Record<string, string>) => twilio.getExpectedTwilioSignature(opts.authToken, url, params),
    /** The next create accepts the message but answers 500, as if the reply was lost on the way. */
    loseNextCreateReply: () => {
      dropNextCreateReplies += 1;
    },
  };
}

export type FakeTwilio = Awaited<ReturnType<typeof startFakeTwilio>>;
