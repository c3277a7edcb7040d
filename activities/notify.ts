// Notifications that reach a person: an escalation level, or an alert type operators subscribe to,
// goes to the configured channels: an incoming webhook (Slack/Teams-compatible `{text}`), e-mail
// (SMTP through nodemailer) and the console (the `notifications` row itself). The text names the
// alert type, severity, customer id and a console link, nothing else about the customer.
import nodemailer, { type Transporter } from 'nodemailer';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db';
import { platformMetrics } from '../api/metrics';

export interface NotifySettings {
  webhookUrl: string | null;
  smtpUrl: string | null;
  emailFrom: string | null;
  emailTo: readonly string[];
  alertTypes: readonly string[];
}

export interface NotifyDeps {
  db: Db;
  /** Unset: the console only. */
  notify?: NotifySettings;
  /** Origin of the console link. */
  publicBaseUrl?: string;
}

export interface NotifyInput {
  alertId: string;
  /** An escalation level (0 = the first) and whom it is for; absent for a subscribed alert type. */
  level?: number;
  recipient?: string;
}

export type Channel = 'webhook' | 'email' | 'console';
const WEBHOOK_TIMEOUT_MS = 10_000;

/** What is sent: alert type, severity, customer id, escalation level and a link; no personal data. */
export function notificationText(a: { type: string; severity: string; customerId: string | null }, input: NotifyInput, link: string): string {
  const who = a.customerId ? `customer ${a.customerId}` : 'no single customer';
  const head =
    input.level !== undefined
      ? `Escalation level ${input.level + 1}${input.recipient ? ` (${input.recipient})` : ''}: ${a.type}, severity ${a.severity}, ${who}, not yet acknowledged.`
      : `Alert ${a.type}, severity ${a.severity}, ${who}.`;
  return `${head} Open it in the console: ${link}`;
}

export function createNotifyActivities(deps: NotifyDeps) {
  const { db } = deps;
  const settings = deps.notify;
  const base = (deps.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  let mailer: Transporter | null = null;
  const mail = () => (mailer ??= nodemailer.createTransport(settings!.smtpUrl!));

  const configured: Record<Exclude<Channel, 'console'>, boolean> = {
    webhook: !!settings?.webhookUrl,
    email: !!settings?.smtpUrl && !!settings.emailFrom && settings.emailTo.length > 0,
  };

  async function deliver(channel: Exclude<Channel, 'console'>, text: string, subject: string): Promise<string> {
    if (channel === 'webhook') {
      const res = await fetch(settings!.webhookUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`webhook answered ${res.status}`);
      return `HTTP ${res.status}`;
    }
    const info = await mail().sendMail({ from: settings!.emailFrom!, to: [...settings!.emailTo], subject, text });
    return String(info.response ?? 'sent').slice(0, 200);
  }

  return {
    /**
     * Notifies once per escalation level or alert: the row is written first (the console's copy),
     * then each configured channel not yet delivered is tried; a failure fails the attempt, and the
     * retry tries only the channels still pending. Every attempt is recorded.
     */
    async notify(input: NotifyInput): Promise<{ notificationId: number; channels: Record<string, string> }> {
      const alert = await db('alerts').where({ id: input.alertId }).first('id', 'type', 'severity', 'customer_id');
      if (!alert) return { notificationId: 0, channels: {} }; // erased or purged meanwhile: nobody to tell about it
      const key = input.level !== undefined ? `escalation/${alert.id}/${input.level}` : `alert/${alert.id}`;
      const link = `${base}/console/#/alerts/${alert.id}`;
      const text = notificationText({ type: alert.type, severity: alert.severity, customerId: alert.customer_id }, input, link);
      const channels: Record<string, string> = {
        console: 'delivered',
        webhook: configured.webhook ? 'pending' : 'off',
        email: configured.email ? 'pending' : 'off',
      };
      const [inserted] = await db('notifications')
        .insert({
          key,
          alert_id: alert.id,
          customer_id: alert.customer_id,
          alert_type: alert.type,
          severity: alert.severity,
          level: input.level ?? null,
          recipient: input.recipient ?? null,
          text,
          link,
          channels: JSON.stringify(channels),
        })
        .onConflict('key')
        .ignore()
        .returning('id');
      if (inserted) {
        await db('notification_deliveries').insert({ notification_id: inserted.id, channel: 'console', outcome: 'delivered' });
        platformMetrics.notifications.inc({ channel: 'console', outcome: 'delivered' });
      }
      const row = await db('notifications').where({ key }).first('id', 'channels');
      const state: Record<string, string> = { ...row.channels };
      const subject = `[${alert.severity}] ${alert.type}${input.level !== undefined ? ` escalation level ${input.level + 1}` : ''}`;
      const failures: string[] = [];
      for (const channel of ['webhook', 'email'] as const) {
        if (state[channel] !== 'pending' || !configured[channel]) continue;
        try {
          const detail = await deliver(channel, text, subject);
          state[channel] = 'delivered';
          await db.transaction(async (trx) => {
            await trx('notification_deliveries').insert({ notification_id: row.id, channel, outcome: 'delivered', detail });
            await trx('notifications').where({ id: row.id }).update({ channels: trx.raw(`channels || ?::jsonb`, [JSON.stringify({ [channel]: 'delivered' })]) });
          });
          platformMetrics.notifications.inc({ channel, outcome: 'delivered' });
        } catch (err) {
          const detail = ((err as Error)?.message ?? String(err)).slice(0, 200);
          failures.push(`${channel}: ${detail}`);
          await db('notification_deliveries').insert({ notification_id: row.id, channel, outcome: 'failed', detail });
          platformMetrics.notifications.inc({ channel, outcome: 'failed' });
        }
      }
      // The retry (the workflow's policy) tries the channels still pending.
      if (failures.length) throw ApplicationFailure.retryable(`notification ${key} not delivered: ${failures.join('; ')}`, 'NotificationFailed');
      return { notificationId: Number(row.id), channels: state };
    },
  };
}
