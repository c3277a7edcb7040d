// The ops console in a real browser: Debian's Chromium driven by playwright-core (nothing is
// downloaded). Signs in, watches a legal-threat alert arrive live, acknowledges it, opens the
// customer's chart, switches the recommended action to German, and saves a screenshot of each view
// to test-output/console/.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createKey, eventually, h, startApi, uniqueCustomer } from '../harness';

// Functions passed to page.evaluate run in the browser; this project compiles without the DOM library.
declare const document: any;
declare const localStorage: object;
declare const sessionStorage: object;
declare const location: { href: string };

const SHOTS = path.join(__dirname, '..', '..', 'test-output', 'console');

describe('ops console in Chromium', function () {
  this.timeout(120_000);
  let server: Server;
  let base: string;
  let api: ReturnType<typeof startApi>;
  let browser: Browser;
  const consoleErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    api = startApi();
    server = api.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    if (server) await new Promise((r) => server.close(r));
    await api?.feed.close();
  });

  async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    return page;
  }

  async function signIn(page: Page, key: string) {
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  }

  /** Painted pixels of a canvas (0 for an empty one). */
  const paintedPixels = (page: Page, selector: string) =>
    page.$eval(selector, (c) => {
      const canvas = c as any;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });

  it('refuses a wrong key with a visible error', async () => {
    const page = await newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key').fill('epk_this-is-not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => (document.querySelector('#signin-error')?.textContent ?? '').length > 0, undefined, { timeout: 10_000 });
    expect(await page.locator('#signin-error').textContent()).to.match(/not accepted/);
    await page.screenshot({ path: path.join(SHOTS, '1-sign-in-error.png') });
    expect(await page.context().cookies()).to.have.length(0);
    await page.context().close();
  });

  it('shows a new alert live, acknowledges it, charts the customer, switches the action to German', async () => {
    const ops = await createKey('operator', { name: `console-anna-${Date.now()}` });
    const page = await newPage();
    await signIn(page, ops.key);
    // The key is in no URL and no storage the page can read; the cookie is HttpOnly and SameSite=Strict.
    const cookies = await page.context().cookies();
    expect(cookies).to.have.length(1);
    expect(cookies[0]).to.include({ name: 'ep_console', httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href)).not.to.include(ops.key);
    await page.locator('#live-status', { hasText: 'Live' }).waitFor({ timeout: 10_000 });

    // A legal threat arrives through the API; the page shows it without a reload.
    const customerId = uniqueCustomer('console');
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you' }).expect(202);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items[0], 20_000, 'the legal_threat alert');
    expect(alert.type).to.equal('legal_threat');
    const row = page.locator(`li[data-alert-id="${alert.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getAttribute('class')).to.include('is-new');
    expect(await row.textContent()).to.include('Legal threat').and.include(customerId);
    expect(await page.evaluate(() => (performance as any).getEntriesByType('navigation').length)).to.equal(1);
    await page.screenshot({ path: path.join(SHOTS, '2-alerts-live.png') });

    // The detail: evidence with its analysis in plain words, the Temporal link; acknowledge with a note.
    await row.getByRole('button').click();
    await page.locator('#detail-status', { hasText: 'active' }).waitFor();
    await page.locator('.contributions li').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#alert-detail blockquote').textContent()).to.include('I will sue you');
    expect(await page.locator('#temporal-link').getAttribute('href')).to.match(/^http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\//);
    expect(await page.locator('#recommended-action').textContent()).to.include('legal department');
    await page.getByLabel(/^Note/).fill('Called legal, pausing outreach');
    await page.locator('#acknowledge').click();
    await page.locator('#detail-status', { hasText: 'acknowledged' }).waitFor();
    const acked = (await api.http.get(`/v1/alerts/${alert.id}`).expect(200)).body;
    expect(acked).to.include({ status: 'acknowledged', acknowledgedBy: ops.name });
    expect(acked.timeline.find((e: { action: string }) => e.action === 'acknowledged').note).to.equal('Called legal, pausing outreach');

    // German recommended action.
    await page.getByRole('button', { name: 'Deutsch' }).click();
    const german = await page.locator('#recommended-action').textContent();
    expect(german).to.include('Rechtsabteilung');
    expect(await page.locator('#recommended-action').getAttribute('lang')).to.equal('de');
    expect(await page.getByRole('button', { name: 'Deutsch' }).getAttribute('aria-pressed')).to.equal('true');
    await page.screenshot({ path: path.join(SHOTS, '3-alert-detail-german.png'), fullPage: true });

    // The cookie without the CSRF header cannot change anything, even from the page's own origin.
    const status = await page.evaluate(async (id) => (await fetch(`/v1/alerts/${id}/resolve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, alert.id);
    expect(status).to.equal(403);
    expect((await api.http.get(`/v1/alerts/${alert.id}`)).body.status).to.equal('acknowledged');

    // The customer page: the risk chart is drawn.
    await page.locator('#customer-link').click();
    await page.getByRole('heading', { name: `Customer ${customerId}` }).waitFor();
    await page.locator('#risk-chart').waitFor();
    await eventually(async () => (await paintedPixels(page, '#risk-chart')) > 500, 10_000, 'a drawn risk chart');
    expect(await page.locator('#consents').textContent()).to.match(/defaults apply|granted/);
    expect(await page.getByText('I will sue you').count()).to.be.greaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, '4-customer.png'), fullPage: true });

    // The overview: open alerts charted (KPIs when the API has them, else a notice).
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('#chart-open-severity').waitFor();
    await eventually(async () => (await paintedPixels(page, '#chart-open-severity')) > 500, 10_000, 'the open-alerts chart');
    await page.locator('#kpi-totals, #kpi-unavailable').first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(SHOTS, '5-overview.png'), fullPage: true });

    // Notifications the chain sent (here one written as the notify activity writes it) are listed.
    await h().db('notifications').insert({
      key: `alert/${alert.id}`,
      alert_id: alert.id,
      customer_id: customerId,
      alert_type: 'legal_threat',
      severity: alert.severity,
      text: `legal_threat alert, severity ${alert.severity}, customer ${customerId}.`,
      link: `${base}/console/#/alerts/${alert.id}`,
      channels: JSON.stringify({ console: 'delivered', webhook: 'delivered', email: 'off' }),
    });
    await page.getByRole('link', { name: 'Notifications' }).click();
    const notice = page.locator('li[data-notification-id]', { hasText: customerId });
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).to.include('Legal threat').and.include('webhook: delivered').and.include('email: off');
    expect(await notice.getByRole('link', { name: 'the alert' }).getAttribute('href')).to.equal(`#/alerts/${alert.id}`);
    await page.screenshot({ path: path.join(SHOTS, '5b-notifications.png'), fullPage: true });

    // Sign-out ends the session on the server.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(async () => (await fetch('/v1/alerts')).status)).to.equal(401);
    expect(consoleErrors.filter((e) => !/401|403|Failed to load resource/.test(e)), 'no script or CSP errors').to.deep.equal([]);
    await page.context().close();
  });

  it('fits a 390 px phone screen without horizontal scrolling', async () => {
    const ops = await createKey('operator');
    const page = await newPage({ width: 390, height: 844 });
    // Signed in with the keyboard alone: the key field has focus, Enter submits.
    await page.goto(`${base}/console/`);
    // The page renders after its modules load: type once the key field has taken the focus itself.
    await eventually(async () => page.evaluate(() => document.activeElement?.id === 'api-key'), 10_000, 'the key field to have the focus');
    await page.keyboard.type(ops.key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    const customerId = uniqueCustomer('console-phone');
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you' }).expect(202);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items[0], 20_000, 'the alert');
    await page.locator(`li[data-alert-id="${alert.id}"]`).waitFor({ timeout: 15_000 });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow(), 'alerts list').to.be.at.most(0);
    await page.locator(`li[data-alert-id="${alert.id}"] button`).click();
    await page.locator('#recommended-action').waitFor();
    expect(await overflow(), 'alert detail').to.be.at.most(0);
    await page.screenshot({ path: path.join(SHOTS, '6-phone-alert.png'), fullPage: true });
    await page.goto(`${base}/console/#/customers/${customerId}`);
    await page.locator('#risk-chart').waitFor();
    expect(await overflow(), 'customer page').to.be.at.most(0);
    // Without the KPI endpoint the overview still charts the open alerts and says KPIs are unavailable.
    await page.route('**/v1/kpis*', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'no route', details: [] } }) }));
    await page.goto(`${base}/console/#/overview`);
    await page.locator('#chart-open-severity').waitFor();
    expect(await page.locator('#kpi-unavailable').textContent({ timeout: 10_000 })).to.include('KPIs unavailable');
    expect(await overflow(), 'overview').to.be.at.most(0);
    await page.screenshot({ path: path.join(SHOTS, '7-phone-overview-without-kpis.png'), fullPage: true });
    await page.context().close();
  });
});
