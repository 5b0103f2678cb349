/**
 * The web console in a real headless Chromium, against the real HTTP API and the emulators:
 * create a topic (and see a bad name refused next to the field), produce records, see them
 * decoded, fold their JSON, copy and filter them, read all partitions merged by timestamp and
 * from a date and time, follow a live tail, watch a group's lag fall as its consumer commits,
 * reset the group's offsets once it is empty, delete the topic — with axe-core checking every
 * page, in both themes, for serious accessibility problems.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
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
/** A topic of three partitions written with known timestamps, for the merged view. */
const merged = uniqueName('console-merged').slice(0, 40);

beforeAll(async () => {
  const assets = await buildConsoleAssets();
  // The console in front of the API, as npm start serves it.
  server = await startTestServer({
    intercept: (request, next) => withConsole(() => next(), assets)(request),
  });
  await api('POST', '/topics', { topic_name: decoy });
  browser = await launchBrowser();
  // "Copy as JSON" writes to the clipboard; the test reads it back.
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await browser.context.newPage();
  await page.goto(`${server.url}/console/`);
}, 60_000);

afterAll(async () => {
  await api('DELETE', `/topics/${decoy}`).catch(() => undefined);
  await api('DELETE', `/topics/${merged}`).catch(() => undefined);
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

/**
 * Runs axe-core over the page as it is and fails on any serious or critical violation, printing
 * each with the elements it found. The checker is evaluated through the debugging protocol, not
 * added as a script tag: the console's content security policy (rightly) refuses inline scripts.
 */
async function expectAccessible(view: string): Promise<void> {
  if (!(await page.evaluate<boolean>("typeof axe === 'object'"))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<unknown[]>(`axe
    .run(document, { resultTypes: ['violations'] })
    .then((result) => result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ rule: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })))`);
  expect({ view, violations }).toEqual({ view, violations: [] });
}
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

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

/** The text as the page shows it: a folded JSON body, hidden, is left out (textContent keeps it). */
function shownText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point here.
  return locator.innerText();
}

/** Waits until the element's whole text (surrounding whitespace aside) is `expected`. */
async function textBecomes(selector: string, expected: string): Promise<void> {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  try {
    await page.locator(selector, { hasText: new RegExp(`^\\s*${escaped}\\s*$`) }).waitFor();
  } catch (error) {
    // Say what the page showed instead: a timeout alone does not tell a wrong value from a slow one.
    const shown = await page.locator(selector).allTextContents();
    throw new Error(`${selector} never became "${expected}"; it shows ${JSON.stringify(shown)}. ${error}`);
  }
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
    await expectAccessible('topics, a form showing an error');

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

    await expectAccessible('messages with records');
    await screenshot('messages');
    // Switching the format shows the JSON record's bytes as hex.
    await page.getByLabel('Show as').selectOption('hex');
    const hex = first.locator('[data-field="value"] pre[data-format="hex"]');
    await hex.waitFor();
    expect(await hex.textContent()).toMatch(/^7b 22 74 6f 74 61 6c 22/);
    await page.getByLabel('Show as').selectOption('auto');
  });

  it('folds JSON, copies a record as JSON and filters by key or text', async () => {
    const first = page.locator('li.record[data-offset="0"]');
    const value = first.locator('[data-field="value"] pre[data-format="json"]');
    const fold = value.getByRole('button', { name: 'Fold the value (2 keys)' });
    await fold.click();
    expect(await value.locator('.json-body').first().isHidden()).toBe(true);
    // Folded, only the brackets are left (the style draws a … between them).
    expect(await shownText(value)).toBe('{}');
    await value.getByRole('button', { name: 'Unfold the value (2 keys)' }).click();
    expect(await shownText(value)).toContain('"items": [');
    await value.getByRole('button', { name: 'Fold the value.items (1 items)' }).click();
    expect((await shownText(value)).replace(/\s+/g, ' ')).toBe('{ "total": 9, "items": [] }');

    await page.getByRole('button', { name: 'Copy record 0-0 as JSON' }).click();
    await first
      .getByRole('button', { name: 'Copy record 0-0 as JSON', exact: true })
      .filter({ hasText: 'Copied' })
      .waitFor();
    expect(JSON.parse(await page.evaluate<string>('navigator.clipboard.readText()'))).toEqual({
      partition: 0,
      offset: 0,
      timestamp: expect.stringMatching(/^\d{4}-/),
      key: 'order-42',
      value: { total: 9, items: ['a'] },
      headers: [{ name: 'source', value: 'console' }],
    });

    const shownOffsets = () =>
      page.locator('li.record').evaluateAll((items) => items.map((li) => li.getAttribute('data-offset')));
    await page.getByLabel('Filter', { exact: true }).fill('SOME TEXT');
    await page.locator('li.record').nth(1).waitFor({ state: 'detached' });
    expect(await shownOffsets()).toEqual(['1']);
    await page.getByLabel('Filter by').selectOption('key');
    await page.getByLabel('Filter', { exact: true }).fill('order-42');
    await page.locator('li.record[data-offset="0"]').waitFor();
    expect(await shownOffsets()).toEqual(['0']);
    // "key is" wants the whole key.
    await page.getByLabel('Filter', { exact: true }).fill('order');
    await page.locator('li.record').first().waitFor({ state: 'detached' });
    await page.getByLabel('Filter by').selectOption('text');
    await page.getByLabel('Filter', { exact: true }).fill('');
    await page.locator('li.record[data-offset="2"]').waitFor();
  });

  it("shows the API's message next to the offset field for an offset it refuses", async () => {
    const read = page.getByRole('form', { name: 'Read messages' });
    await read.getByRole('combobox', { name: /^Partition/ }).selectOption('0');
    await read.getByLabel('From').selectOption('offset');
    await read.getByRole('textbox', { name: 'Offset' }).fill('-1');
    await read.getByRole('button', { name: 'Read', exact: true }).click();
    const error = page.locator('#read-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/offset must be a non-negative integer/);
    expect(await read.getByRole('textbox', { name: 'Offset' }).getAttribute('aria-invalid')).toBe('true');
    await read.getByRole('textbox', { name: 'Offset' }).fill('1');
    await read.getByRole('button', { name: 'Read', exact: true }).click();
    await error.waitFor({ state: 'hidden' });
    await page.locator('li.record[data-offset="0"]').waitFor({ state: 'detached' });
    expect(await page.locator('li.record').first().getAttribute('data-offset')).toBe('1');
    await read.getByRole('combobox', { name: /^Partition/ }).selectOption('all');
    await read.getByLabel('From').selectOption('earliest');
  });

  it('reads all partitions merged by timestamp, and from a date and time', async () => {
    await api('POST', '/topics', { topic_name: merged, partitions_count: 3 });
    // A whole second: the date field holds seconds, so the start below is exact.
    const base = Math.floor(Date.now() / 1_000) * 1_000 - 60_000;
    // partition, seconds after base: merged, the order is p0 p1 p2 p0 p1.
    for (const [partition, second] of [
      [0, 0],
      [0, 3],
      [1, 1],
      [1, 4],
      [2, 2],
    ]) {
      await api('POST', `/topics/${merged}/records`, {
        partition_id: partition,
        value: { type: 'JSON', data: { second } },
        timestamp: new Date(base + second * 1_000).toISOString(),
      });
    }
    const order = () =>
      page
        .locator('li.record')
        .evaluateAll((items) =>
          items.map((li) => `${li.getAttribute('data-partition')}@${li.getAttribute('data-offset')}`),
        );
    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    await page.getByRole('link', { name: merged, exact: true }).click();
    await page.getByRole('heading', { name: `Messages: ${merged}` }).waitFor();
    await page.locator('li.record').nth(4).waitFor();
    expect(await order()).toEqual(['0@0', '1@0', '2@0', '0@1', '1@1']);
    await screenshot('messages-merged');

    const read = page.getByRole('form', { name: 'Read messages' });
    await read.getByLabel('From').selectOption('timestamp');
    // From p0@1's own time (at or after it), in the browser's local time as the field takes it.
    const local = await page.evaluate<string>(
      `(() => { const d = new Date(${base + 3_000}); return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 19); })()`,
    );
    await read.getByRole('textbox', { name: /^Date and time/ }).fill(local);
    await read.getByRole('button', { name: 'Read', exact: true }).click();
    await page.locator('li.record[data-partition="2"]').waitFor({ state: 'detached' });
    expect(await order()).toEqual(['0@1', '1@1']);
    await read.getByLabel('From').selectOption('earliest');
    await page.getByRole('combobox', { name: /^Topic/ }).selectOption(topic);
    await page.getByRole('heading', { name: `Messages: ${topic}` }).waitFor();
    await page.locator('li.record[data-offset="2"]').waitFor();
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
    await page.getByRole('link', { name: group, exact: true }).waitFor();
    await expectAccessible('the groups');
    await page.getByRole('link', { name: group, exact: true }).click();
    await textBecomes('[data-fact="total-lag"]', '6');
    expect(await page.getByRole('button', { name: 'Reset offsets', exact: true }).isDisabled()).toBe(true);
    await commit(3);
    await textBecomes('[data-fact="total-lag"]', '3');
    await expectAccessible('a group');
    await commit(6);
    await textBecomes('[data-fact="total-lag"]', '0');
    await textBecomes(`tr[data-partition="${topic}-0"] [data-col="lag"]`, '0');
    await page.locator('figure.chart svg').waitFor();
    // Sampled while the page was open: the lag started at 6 and fell, through 3, to 0.
    const samples = ((await page.locator('figure.chart').getAttribute('data-samples')) ?? '')
      .split(' ')
      .map(Number);
    expect(samples[0]).toBe(6);
    expect(samples).toContain(3);
    expect(samples[samples.length - 1]).toBe(0);
    expect(samples.every((lag, i) => i === 0 || lag <= samples[i - 1])).toBe(true);
    await screenshot('group-lag');

    await api('DELETE', memberPath, undefined, token);
    // Enabled once the page sees the group empty.
    await page.locator('form[aria-labelledby="reset-title"] button[type="submit"]:not([disabled])').waitFor();
    await page.locator('select[name="to"]').selectOption('offset');
    await page.locator('input[name="to-offset"]').fill('ten');
    await page.getByRole('button', { name: 'Reset offsets', exact: true }).click();
    await page.locator('#reset-error').waitFor();
    expect(await page.locator('#reset-error').textContent()).toMatch(/offset/);
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
    await expectAccessible('overview');
    await screenshot('overview');
  });

  it('lists the topic with its record count and deletes it after confirmation', async () => {
    await page.getByRole('link', { name: 'Topics', exact: true }).click();
    const row = page.locator(`tr[data-topic="${topic}"]`);
    await textBecomes(`tr[data-topic="${topic}"] [data-col="records"]`, '10');
    // The size is not known (the API does not report it), and the page says why.
    expect(await row.locator('[data-col="size"]').textContent()).toBe('—');
    expect(await page.locator('#size-note').textContent()).toMatch(/no running total/);
    // The theme toggle: system, light, dark.
    await page.getByRole('button', { name: /^Theme/ }).click();
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(await background()).toBe('rgb(255, 255, 255)');
    await expectAccessible('topics, light theme');
    await page.getByRole('button', { name: 'Theme: light' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    // The palette follows the chosen theme, not only the attribute.
    expect(await background()).toBe('rgb(13, 17, 23)');
    await expectAccessible('topics, dark theme');
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
