/**
 * The web console in a real headless Chromium, against the real HTTP API and the emulators:
 * create a topic (and see a bad name refused next to the field), produce records, see them
 * decoded, follow a live tail, watch a group's lag fall as its consumer commits, reset the
 * group's offsets once it is empty, delete the topic.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildConsoleAssets, withConsole } from '../../console/server/assets';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { startTestServer, type TestServer } from '../support/client-server';
import { uniqueName } from '../support/local-aws';

let server: TestServer;
let browser: TestBrowser;
let page: Page;
const topic = uniqueName('console').slice(0, 40);
const group = uniqueName('console-group').slice(0, 40);
/** Another topic on the page whose name holds the words the test looks for, as in a busy cluster. */
const decoy = uniqueName('name-topics-produce').slice(0, 40);

beforeAll(async () => {
  const assets = await buildConsoleAssets();
  // The console in front of the API, as npm start serves it.
  server = await startTestServer({
    intercept: (request, next) => withConsole(() => next(), assets)(request),
  });
  await api('POST', '/topics', { topic_name: decoy });
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${server.url}/console/`);
}, 60_000);

afterAll(async () => {
  await api('DELETE', `/topics/${decoy}`).catch(() => undefined);
  await browser?.close();
  await server?.close();
});

/**
 * With SLUICE_CONSOLE_SCREENSHOTS set (to a folder, e.g. docs/images), saves a picture of the
 * page as it is: how docs/console.md's screenshots are made. Off in normal runs.
 */
async function screenshot(name: string): Promise<void> {
  const folder = process.env.SLUICE_CONSOLE_SCREENSHOTS;
  if (folder) await page.screenshot({ path: join(folder, `console-${name}.png`) });
}

/** Calls the API as another client would (the test's consumer and its other producer). */
async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}/v3/clusters/local${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** Waits until the element's whole text (surrounding whitespace aside) is `expected`. */
async function textBecomes(selector: string, expected: string): Promise<void> {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await page.locator(selector, { hasText: new RegExp(`^\\s*${escaped}\\s*$`) }).waitFor();
}

describe('the web console in Chromium', () => {
  it('serves its page and assets with a strict content security policy', async () => {
    const html = await fetch(`${server.url}/console/`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect((await fetch(`${server.url}/console/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}/console/nothing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/console/`, { method: 'POST' })).status).toBe(405);
    expect(await page.title()).toContain('Sluice console');
  });

  it("creates a topic, and shows the API's error next to the field for a bad name", async () => {
    // Scoped to the form: other tests' topics share the page (and their names, any word).
    const create = page.getByRole('form', { name: 'Create a topic' });
    await create.getByRole('textbox', { name: 'Name', exact: true }).fill('not a valid name!');
    await page.getByRole('button', { name: 'Create topic', exact: true }).click();
    const nameError = page.locator('#create-name-error');
    await nameError.waitFor();
    expect(await nameError.textContent()).toMatch(/topic name/i);
    expect(
      await create.getByRole('textbox', { name: 'Name', exact: true }).getAttribute('aria-invalid'),
    ).toBe('true');

    await create.getByRole('textbox', { name: 'Name', exact: true }).fill(topic);
    await create.getByRole('textbox', { name: 'Partitions', exact: true }).fill('2');
    await page.getByRole('button', { name: 'Create topic', exact: true }).click();
    await page.locator(`tr[data-topic="${topic}"]`).waitFor();
    expect(await page.locator(`tr[data-topic="${topic}"] td`).first().textContent()).toBe('2');
  });

  it('edits retention.ms and refuses a bad max.message.bytes with the API message', async () => {
    await page.getByRole('button', { name: `Edit configs of ${topic}` }).click();
    const form = page.getByRole('form', { name: `Configs of ${topic}` });
    await form.getByLabel('retention.ms').fill('3600000');
    await form.getByLabel('max.message.bytes').fill('-5');
    await form.getByRole('button', { name: 'Save configs' }).click();
    const error = form.locator('[id$="max-message-bytes-error"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/max\.message\.bytes/);
    await form.getByLabel('max.message.bytes').fill('2000000');
    await form.getByRole('button', { name: 'Save configs' }).click();
    await page.locator(`tr[data-topic="${topic}"]`, { hasText: '1 hour' }).waitFor();
    expect(await page.locator(`tr[data-topic="${topic}"]`).textContent()).toContain('2,000,000');
    await screenshot('topics');
  });

  it('produces records from the form and shows them decoded as JSON, text and hex', async () => {
    await page.getByRole('link', { name: topic, exact: true }).click();
    await page.getByRole('heading', { name: `Messages: ${topic}` }).waitFor();
    const produce = page.getByRole('form', { name: 'Produce a record' });
    await produce.getByLabel('Key (empty: no key)').fill('order-42');
    await produce.getByLabel('Partition').fill('0');
    await produce.getByLabel('Value', { exact: true }).fill('{"total":9,"items":["a"]}');
    await produce.getByLabel('Headers').fill('source: console');
    await produce.getByRole('button', { name: 'Produce', exact: true }).click();
    await produce.getByText('Produced to partition 0 at offset 0.').waitFor();
    await produce.getByLabel('Value', { exact: true }).fill('just some text');
    await produce.getByLabel('Key (empty: no key)').fill('');
    await produce.getByLabel('Headers').fill('');
    await produce.getByRole('button', { name: 'Produce', exact: true }).click();
    await produce.getByText('Produced to partition 0 at offset 1.').waitFor();
    // Bytes that are neither JSON nor text, from another producer.
    await api('POST', `/topics/${topic}/records`, {
      partition_id: 0,
      value: { type: 'BINARY', data: 'AP8B' },
    });

    await page.getByRole('button', { name: 'Read', exact: true }).click();
    await page.locator('li.record[data-offset="2"]').waitFor();
    const first = page.locator('li.record[data-offset="0"]');
    expect(await first.locator('[data-field="value"] pre[data-format="json"]').textContent()).toBe(
      '{\n  "total": 9,\n  "items": [\n    "a"\n  ]\n}',
    );
    expect(await first.locator('[data-field="key"] pre[data-format="text"]').textContent()).toBe('order-42');
    expect(await first.locator('.headers .header-name').textContent()).toBe('source');
    expect(await first.locator('.headers pre').textContent()).toBe('console');
    const second = page.locator('li.record[data-offset="1"]');
    expect(await second.locator('[data-field="value"] pre[data-format="text"]').textContent()).toBe(
      'just some text',
    );
    expect(await second.locator('[data-field="key"]').textContent()).toBe('null');
    expect(await second.locator('.headers').count()).toBe(0);
    expect(
      await page
        .locator('li.record[data-offset="2"] [data-field="value"] pre[data-format="hex"]')
        .textContent(),
    ).toBe('00 ff 01');

    await screenshot('messages');
    // Switching the format shows the JSON record's bytes as hex.
    await page.getByLabel('Show as').selectOption('hex');
    const hex = first.locator('[data-field="value"] pre[data-format="hex"]');
    await hex.waitFor();
    expect(await hex.textContent()).toMatch(/^7b 22 74 6f 74 61 6c 22/);
    await page.getByLabel('Show as').selectOption('auto');
  });

  it('shows the API error next to the field for a partition that does not exist', async () => {
    const produce = page.getByRole('form', { name: 'Produce a record' });
    await produce.getByLabel('Partition').fill('7');
    await produce.getByRole('button', { name: 'Produce', exact: true }).click();
    const error = produce.locator('#produce-partition-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/partition/i);
    await produce.getByLabel('Partition').fill('0');
  });

  it('follows a live tail as another producer writes', async () => {
    await page.getByLabel('Live tail').check();
    for (const n of [1, 2, 3]) {
      await api('POST', `/topics/${topic}/records`, {
        partition_id: 0,
        value: { type: 'JSON', data: { tail: n } },
      });
    }
    await page.locator('li.record[data-offset="5"]').waitFor();
    expect(await page.locator('li.record[data-offset="5"] [data-field="value"] pre').textContent()).toBe(
      '{\n  "tail": 3\n}',
    );
    await page.getByLabel('Live tail').uncheck();
  });

  it("shows a group's lag falling as its consumer commits, then resets the empty group's offsets", async () => {
    const joined = await api<{ member_id: string; member_token: string }>(
      'POST',
      `/consumer-groups/${group}/members`,
      { topics: [topic], auto_offset_reset: 'earliest' },
    );
    const token = { 'sluice-member-token': joined.member_token };
    const memberPath = `/consumer-groups/${group}/members/${joined.member_id}`;
    type Assignment = { partition_id: number; epoch: number };
    let assignments: Assignment[] = [];
    while (assignments.length < 2) {
      assignments = (await api<{ assignments: Assignment[] }>('POST', `${memberPath}/heartbeat`, {}, token))
        .assignments;
    }
    const commit = (p0: number) =>
      api(
        'POST',
        `${memberPath}/offsets`,
        {
          offsets: assignments.map((a) => ({
            topic_name: topic,
            partition_id: a.partition_id,
            epoch: a.epoch,
            offset: a.partition_id === 0 ? p0 : 0,
          })),
        },
        token,
      );

    await page.getByRole('link', { name: 'Consumer groups', exact: true }).click();
    await page.getByRole('link', { name: group, exact: true }).click();
    await textBecomes('[data-fact="total-lag"]', '6');
    expect(await page.getByRole('button', { name: 'Reset offsets', exact: true }).isDisabled()).toBe(true);
    await commit(3);
    await textBecomes('[data-fact="total-lag"]', '3');
    await screenshot('group-lag');
    await commit(6);
    await textBecomes('[data-fact="total-lag"]', '0');
    await textBecomes(`tr[data-partition="${topic}-0"] [data-col="lag"]`, '0');
    await page.locator('figure.chart svg').waitFor();

    await api('DELETE', memberPath, undefined, token);
    // Enabled once the page sees the group empty.
    await page.locator('form[aria-labelledby="reset-title"] button[type="submit"]:not([disabled])').waitFor();
    await page.locator('select[name="to"]').selectOption('earliest');
    await page.getByRole('button', { name: 'Reset offsets', exact: true }).click();
    await page.getByText(`Reset ${topic}: partition 0 → 0, partition 1 → 0.`).waitFor();
    await textBecomes('[data-fact="total-lag"]', '6');
  });

  it('shows the cluster at a glance and the produce rate while the page is open', async () => {
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.locator('[data-fact="produce-rate"]').waitFor();
    // The first sample has nothing to compare with; from the second on there is a rate.
    await page.locator('[data-fact="produce-rate"]', { hasText: 'records/s' }).waitFor();
    for (const n of [1, 2, 3, 4]) {
      await api('POST', `/topics/${topic}/records`, {
        partition_id: 1,
        value: { type: 'JSON', data: { n } },
      });
    }
    await page
      .locator('[data-fact="produce-rate"]', { hasText: /^(?!0 records)[\d.,]+ records\/s$/ })
      .waitFor();
    await screenshot('overview');
  });

  it('lists the topic with its record count and deletes it after confirmation', async () => {
    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    const row = page.locator(`tr[data-topic="${topic}"]`);
    await textBecomes(`tr[data-topic="${topic}"] [data-col="records"]`, '10');
    // The theme toggle: system, light, dark.
    await page.getByRole('button', { name: /^Theme/ }).click();
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(await background()).toBe('rgb(255, 255, 255)');
    await page.getByRole('button', { name: 'Theme: light' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    // The palette follows the chosen theme, not only the attribute.
    expect(await background()).toBe('rgb(13, 17, 23)');
    await screenshot('topics-dark');
    await page.getByRole('button', { name: 'Theme: dark' }).click();
    await page.locator('html:not([data-theme])').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: `Delete ${topic}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete topic ${topic}?` });
    await dialog.waitFor();
    // Escape cancels: the topic is still there.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await row.count()).toBe(1);
    await page.getByRole('button', { name: `Delete ${topic}` }).click();
    await page.getByRole('button', { name: 'Delete topic', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    await expect(api('GET', `/topics/${topic}`)).rejects.toThrow(/404/);
  });
});
