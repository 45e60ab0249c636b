// Browser tests drive Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH) with
// playwright-core. Without it they are skipped, and say so; CI installs it and sets
// CONVENE_REQUIRE_BROWSER=1 to make them mandatory.
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = existsSync(chromiumPath);

if (!browserAvailable) {
  if (process.env.CONVENE_REQUIRE_BROWSER === '1') {
    throw new Error(`chromium is required (CONVENE_REQUIRE_BROWSER=1) but ${chromiumPath} does not exist`);
  }
  console.warn(`chromium not found at ${chromiumPath}: the browser suites are skipped`);
}

/** Headless chromium with a fresh profile (playwright gives each launch a new user data dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // Background networking, component updates and sync would try to reach Google's hosts.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A browser context that can reach only `origin`: any other request is aborted and listed in
 * `blocked`. Console errors and uncaught page errors (e.g. "YogaGraphiQL is not defined") are
 * listed in `errors`. `options` set e.g. a phone's viewport and a time zone.
 */
export async function offlineContext(browser: Browser, origin: string, options: BrowserContextOptions = {}) {
  const blocked: string[] = [];
  const errors: string[] = [];
  const context: BrowserContext = await browser.newContext(options);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('internetdisconnected');
  });
  context.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  context.on('weberror', (error) => errors.push(error.error().message));
  return { context, blocked, errors };
}
