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
  /**
   * The message, if the provider already accepted it: an earlier attempt may have died between the
   * provider's acceptance and our write. `since` is when that attempt started.
   */
  findSent(m: OutboundSms, since: Date): Promise<SmsResult | null>;
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

  async findSent(m: OutboundSms, since: Date): Promise<SmsResult | null> {
    // No DateSent filter: a message Twilio accepted but has not sent yet has no DateSent. The body
    // carries the outreach's signed survey link, so it names our message; a customer gets few
    // messages from our number, so the newest page holds it.
    const recent = await this.client.messages.list({ to: m.to, from: this.config.from, pageSize: 50, limit: 50 });
    const margin = 10 * 60_000; // clocks differ
    const hit = recent.find((x) => x.body === m.body && (!x.dateCreated || x.dateCreated.getTime() >= since.getTime() - margin));
    return hit ? { providerId: hit.sid, status: hit.status } : null;
  }
}

export class OutboxSms implements SmsSender {
  readonly mode = 'outbox' as const;
  constructor(private readonly db: Db) {}

  async send(m: OutboundSms): Promise<SmsResult> {
    const id = await recordInOutbox(this.db, { kind: 'sms', ref: m.ref, customerId: m.customerId, recipient: m.to, subject: null, body: m.body });
    return { providerId: `outbox-${id}`, status: 'recorded' };
  }

  /** The outbox records once per ref: sending again finds the earlier record. */
  async findSent(): Promise<SmsResult | null> {
    return null;
  }
}
