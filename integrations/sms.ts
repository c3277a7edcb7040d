// Outbound SMS: through Twilio when configured, else into the outbox.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { Db } from '../db';
import { recordInOutbox } from './outbox';

export interface OutboundSms {
  /** Our message id: the outbox records it once. */
  ref: string;
  customerId: string;
  to: string;
  body: string;
  /** Where Twilio reports delivery status. */
  statusCallback: string | null;
}

export interface SmsResult {
  providerId: string;
  status: string;
}

export interface SmsSender {
  readonly mode: 'twilio' | 'outbox';
  send(m: OutboundSms): Promise<SmsResult>;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string;
  /** Another API origin (a local fake in tests); unset for api.twilio.com. */
  baseUrl?: string;
}

/** Twilio's own request client, sending to another origin (keeps auth, retries, user agent). */
function requestClientFor(baseUrl: string): twilio.RequestClient {
  const base = new URL(baseUrl);
  class BaseUrlRequestClient extends twilio.RequestClient {
    request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const uri = new URL(opts.uri);
      uri.protocol = base.protocol;
      uri.host = base.host;
      return super.request<TData>({ ...opts, uri: uri.href });
    }
  }
  return new BaseUrlRequestClient();
}

export function createTwilioClient(c: TwilioConfig): twilio.Twilio {
  return twilio(c.accountSid, c.authToken, c.baseUrl ? { httpClient: requestClientFor(c.baseUrl) } : {});
}

export class TwilioSms implements SmsSender {
  readonly mode = 'twilio' as const;
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioConfig) {
    this.client = createTwilioClient(config);
  }

  async send(m: OutboundSms): Promise<SmsResult> {
    const msg = await this.client.messages.create({
      to: m.to,
      from: this.config.from,
      body: m.body,
      ...(m.statusCallback ? { statusCallback: m.statusCallback } : {}),
    });
    return { providerId: msg.sid, status: msg.status };
  }
}

export class OutboxSms implements SmsSender {
  readonly mode = 'outbox' as const;
  constructor(private readonly db: Db) {}

  async send(m: OutboundSms): Promise<SmsResult> {
    const id = await recordInOutbox(this.db, { kind: 'sms', ref: m.ref, customerId: m.customerId, recipient: m.to, subject: null, body: m.body });
    return { providerId: `outbox-${id}`, status: 'recorded' };
  }
}
