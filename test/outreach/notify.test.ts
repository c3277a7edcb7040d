// Notifications reach people: a fired alert of a subscribed type and each level of an unacknowledged
// escalation go to an incoming webhook (a local HTTP fake) and a mailbox (a local SMTP server,
// smtp-server, reached through nodemailer), and are rows the console shows; a webhook that fails
// once is retried and gets the notification once. The text carries no personal data.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../config';
import { startFakeServer } from '../fakes/http';
import { createKey, eventually, h, startApi, startWorker, testConfig, uniqueCustomer } from '../harness';
import { ANGRY, FAST_POLICY } from './rig';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

async function startMailbox() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (data += c));
      stream.on('end', () => {
        // Quoted-printable bodies break long lines and escape '=': decoded, the text reads as sent.
        const decoded = data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data: decoded });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('notifications: webhook, e-mail and console', () => {
  const hooks: { text: string; status: number }[] = [];
  let failNext = 0;
  let webhook: Awaited<ReturnType<typeof startFakeServer>>;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let api: ReturnType<typeof startApi>;

  before(async () => {
    webhook = await startFakeServer((req) => {
      const status = failNext > 0 ? (failNext--, 500) : 200;
      hooks.push({ text: JSON.parse(req.body).text, status });
      return { status, json: status === 200 ? { ok: true } : { error: 'try later' } };
    });
    mailbox = await startMailbox();
    const taskQueue = `notify-${randomUUID()}`;
    const notify = { webhookUrl: `${webhook.url}/hooks/ops`, smtpUrl: mailbox.url, emailFrom: 'alerts@engage.example.test', emailTo: ['oncall@care.example.test'], alertTypes: ['legal_threat' as const] };
    const base = testConfig();
    const config: Config = {
      ...base,
      temporal: { ...base.temporal, taskQueue },
      publicBaseUrl: 'https://engage.example.test',
      // Fast: the deadline passes unanswered and the chain climbs within seconds.
      outreach: { ...FAST_POLICY, surveyDeadlineMs: 1500, escalation: { renotifyMs: 1500, chain: ['care-team', 'team-lead'] } },
      notify,
    };
    worker = await startWorker(taskQueue, { notify, publicBaseUrl: config.publicBaseUrl });
    api = startApi(config);
  });
  after(async () => {
    await worker?.stop();
    await webhook?.close();
    await mailbox?.close();
  });

  const notificationsOf = (alertId: string) => h().db('notifications').where({ alert_id: alertId }).orderBy('id');

  it('a fired alert of a subscribed type reaches the webhook, the mailbox and the console; a webhook answering 500 once is retried and gets it once', async () => {
    failNext = 1;
    const customerId = uniqueCustomer('notify-legal');
    await api.http.put(`/v1/customers/${customerId}`).send({ name: 'Ada Lovelace', email: 'ada@example.test', phone: '+4915100000001', consents: { sms: false, email: false, analysis: true } }).expect(201);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you' }).expect(202);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items[0], 15_000, 'legal alert');

    const link = `https://engage.example.test/console/#/alerts/${alert.id}`;
    const [row] = await eventually(async () => {
      const rows = await notificationsOf(alert.id);
      return rows[0]?.channels.webhook === 'delivered' && rows[0]?.channels.email === 'delivered' ? rows : null;
    }, 20_000, 'notification delivered on both channels');
    expect(row).to.include({ key: `alert/${alert.id}`, alert_type: 'legal_threat', severity: 'crisis', customer_id: customerId, link, level: null });
    expect(row.channels).to.deep.equal({ console: 'delivered', webhook: 'delivered', email: 'delivered' });

    const mine = hooks.filter((x) => x.text.includes(alert.id));
    expect(mine.map((x) => x.status), 'failed once, then delivered once').to.deep.equal([500, 200]);
    expect(mine[1].text).to.equal(`Alert legal_threat, severity crisis, customer ${customerId}. Open it in the console: ${link}`);
    const mails = mailbox.mails.filter((m) => m.data.includes(alert.id));
    expect(mails, 'one e-mail').to.have.length(1);
    expect(mails[0].to).to.deep.equal(['oncall@care.example.test']);
    expect(mails[0].from).to.equal('alerts@engage.example.test');
    expect(mails[0].data).to.match(/^Subject: \[crisis\] legal_threat/m);

    const attempts = await h().db('notification_deliveries').where({ notification_id: row.id }).orderBy('id');
    expect(attempts.map((a: { channel: string; outcome: string }) => `${a.channel}:${a.outcome}`)).to.deep.equal(['console:delivered', 'webhook:failed', 'email:delivered', 'webhook:delivered']);
    // The console reads them through the API (operators; a limited key sees only its customers').
    const listed = (await api.http.get('/v1/notifications').query({ alertId: alert.id }).expect(200)).body;
    expect(listed.items).to.have.length(1);
    expect(listed.items[0]).to.include({ key: `alert/${alert.id}`, alertId: alert.id, customerId, alertType: 'legal_threat', severity: 'crisis', level: null, text: row.text, link });
    expect(listed.items[0].channels).to.deep.equal({ console: 'delivered', webhook: 'delivered', email: 'delivered' });
    const other = await createKey('operator', { customerIds: ['somebody-else'] });
    expect((await api.anon.get('/v1/notifications').query({ alertId: alert.id }).set('Authorization', other.auth).expect(200)).body.items).to.have.length(0);
    const ingest = await createKey('ingest');
    await api.anon.get('/v1/notifications').set('Authorization', ingest.auth).expect(403);
    expect((await api.http.get('/v1/notifications').query({ alertId: 'nope' })).body.error.details[0].field).to.equal('alertId');

    // Nothing about the customer but the id: not the name, the e-mail address, the phone or the words.
    for (const text of [row.text, mine[1].text, mails[0].data]) {
      expect(text).to.not.include('Ada').and.not.include('ada@example.test').and.not.include('+4915100000001').and.not.include('lawyer');
    }
  });

  it('an unacknowledged escalation notifies each level of the chain on every channel', async () => {
    const customerId = uniqueCustomer('notify-esc');
    await api.http.put(`/v1/customers/${customerId}`).send({ name: 'Alex', phone: `+49151${Math.floor(1e7 + Math.random() * 9e7)}`, locale: 'en', timeZone: 'UTC', consents: { sms: true, email: false, analysis: true } }).expect(201);
    await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation' })).body.items[0], 30_000, 'escalation alert');

    const rows = await eventually(async () => {
      const r = await notificationsOf(alert.id);
      return r.length === 2 && r.every((n: { channels: Record<string, string> }) => n.channels.webhook === 'delivered' && n.channels.email === 'delivered') ? r : null;
    }, 30_000, 'two escalation levels notified');
    expect(rows.map((r: { key: string; level: number; recipient: string }) => [r.key, r.level, r.recipient])).to.deep.equal([
      [`escalation/${alert.id}/0`, 0, 'care-team'],
      [`escalation/${alert.id}/1`, 1, 'team-lead'],
    ]);
    const texts = hooks.filter((x) => x.text.includes(alert.id) && x.status === 200).map((x) => x.text);
    expect(texts).to.have.length(2);
    expect(texts[0]).to.match(/^Escalation level 1 \(care-team\): outreach_escalation, severity high, customer /);
    expect(texts[1]).to.match(/^Escalation level 2 \(team-lead\): outreach_escalation, severity critical, customer /);
    expect(mailbox.mails.filter((m) => m.data.includes(alert.id))).to.have.length(2);
    // The chain stops once someone acknowledges; nothing further is sent.
    await api.http.post(`/v1/alerts/${alert.id}/acknowledge`).send({}).expect(200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await notificationsOf(alert.id)).to.have.length(2);
    await api.http.post(`/v1/alerts/${alert.id}/resolve`).send({}).expect(200);
  });
});
