// GraphiQL in a real browser, offline: everything the page loads must come from the server,
// and the README's first hour (token in the Headers tab, a query, a subscription triggered
// from a second browser tab) must work by clicking and typing.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, chromiumPath, launchChromium, offlineContext } from './support/browser.ts';
import { readmeBlock } from './support/readme.ts';
import { startTestServer, type TestServer } from './support/server.ts';

// The README's own operations, so that what it tells a reader to type is what is tested here.
const README_SUBSCRIPTION = readmeBlock('graphiql-subscription');
const README_MUTATION = readmeBlock('graphiql-mutation');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer('pglite');
});
afterAll(() => server.stop());

it('serves GraphiQL as one page with nothing to load from elsewhere', async () => {
  const response = await fetch(server.url, { headers: { accept: 'text/html' } });
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain('YogaGraphiQL.renderYogaGraphiQL');
  // No script, style sheet or image from a URL: a CDN would leave the page blank offline.
  expect(html.match(/<(script|link|img)\b[^>]*\b(src|href)=["']?(https?:)?\/\//gi)).toBeNull();
});

const skip = !browserAvailable;
describe.skipIf(skip)(`GraphiQL in chromium${skip ? `: skipped, no chromium at ${chromiumPath}` : ''}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  /** A Monaco editor's lines (the Headers section also holds the hidden variables editor). */
  const editor = (page: Page, name: 'Operation Editor' | 'Headers' | 'Result Window') =>
    page.locator(`section[aria-label="${name}"] .view-lines:visible`);
  /** An editor's text, with Monaco's non-breaking spaces as spaces. */
  const textOf = async (page: Page, name: Parameters<typeof editor>[1]) =>
    ((await editor(page, name).textContent()) ?? '').replace(/\u00a0/g, ' ');
  async function type(page: Page, name: 'Operation Editor' | 'Headers', text: string) {
    await editor(page, name).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(text);
    // The editor shows it, and GraphiQL has parsed it: it picks the operation to run from the
    // text after a debounce, and a run before that names the tab's previous operation
    // ("Cannot infer operation Me", seen once in CI).
    const squash = (t: string) => t.replace(/\s+/g, '');
    await expect.poll(async () => squash(await textOf(page, name))).toBe(squash(text));
    await page.waitForTimeout(500);
  }
  async function open(context: Awaited<ReturnType<typeof offlineContext>>['context']) {
    const page = await context.newPage();
    await page.goto(server.url);
    await editor(page, 'Operation Editor').waitFor();
    return page;
  }
  const run = (page: Page) => page.getByRole('button', { name: /^Execute query/ }).click();
  const newTab = (page: Page) => page.getByRole('button', { name: 'New tab' }).click();
  const authorization = () => JSON.stringify({ Authorization: `Bearer ${server.adminToken}` });

  it('runs the example query of the first tab with the token from the Headers tab', async () => {
    const { context, blocked, errors } = await offlineContext(browser, server.origin);
    const page = await open(context);
    expect(await textOf(page, 'Operation Editor')).toMatch(/query Me \{\s*me \{ id username accounts/);
    await type(page, 'Headers', authorization());
    await run(page);
    await expect.poll(() => textOf(page, 'Result Window'), { timeout: 10_000 }).toMatch(/"username": "root"/);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("runs the README's subscription, and a new tab keeps the headers", async () => {
    const { context, blocked, errors } = await offlineContext(browser, server.origin);
    const subscriber = await open(context);
    await type(subscriber, 'Headers', authorization());
    await newTab(subscriber);
    expect(JSON.parse(await textOf(subscriber, 'Headers'))).toEqual(JSON.parse(authorization()));
    await type(subscriber, 'Operation Editor', README_SUBSCRIPTION);
    await run(subscriber);

    // GraphiQL runs one operation at a time per page: the mutation goes in a second browser
    // tab, which opens with the same tabs and headers (GraphiQL keeps them in local storage).
    const writer = await open(context);
    await newTab(writer);
    expect(JSON.parse(await textOf(writer, 'Headers'))).toEqual(JSON.parse(authorization()));
    await type(writer, 'Operation Editor', README_MUTATION);
    await run(writer);
    await expect.poll(() => textOf(writer, 'Result Window'), { timeout: 10_000 }).toMatch(/"createTask": \{/);

    await expect.poll(() => textOf(subscriber, 'Result Window'), { timeout: 10_000 }).toMatch(/"changesAvailable": \{/);
    expect(await textOf(subscriber, 'Result Window')).toMatch(/"kinds": \[\s*"TASK"\s*\]/);
    expect(await textOf(subscriber, 'Result Window')).not.toMatch(/errors/);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
