// The vote page (/vote/<meetingId>/<voterId>?token=..., src/http/vote-page.ts): its headers and
// 404s over plain HTTP, then in a real browser at a phone's viewport, offline: two invitees vote
// through their links, each sees the tallies change, one sees the other's vote arrive live
// (pollChanged), and a wrong token gets the clear message.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, chromiumPath, launchChromium, offlineContext } from './support/browser.ts';
import { createMeeting } from './support/meetings.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { dataOf, userWithAccount } from './support/sync.ts';

const ROTATE = 'mutation ($m: ID!, $v: ID!) { rotateVoteToken(meetingId: $m, voterId: $v) { path } }';
const options = ['2031-05-06T09:00:00.000Z', '2031-05-07T14:30:00.000Z'];
const CREATE_APPOINTMENT =
  'mutation ($input: AppointmentInput!) { createAppointment(input: $input, ignoreConflicts: true) { __typename } }';

let server: TestServer;
let links: string[];
beforeAll(async () => {
  server = await startTestServer('pglite');
  const organizer = await userWithAccount(server, 'olivia');
  // Ann is a convene user too: her own appointment before the first option is her adjacent event.
  const ann = await userWithAccount(server, 'ann');
  const appointment = {
    accountId: ann.account,
    title: 'Dentist',
    timezone: 'UTC',
    start: '2031-05-06T07:00:00Z',
    end: '2031-05-06T07:45:00Z',
  };
  dataOf(await ann.gql(CREATE_APPOINTMENT, { input: appointment }));
  const meeting = await createMeeting(organizer.gql, {
    accountId: organizer.account,
    name: 'Quarterly <b>planning</b>',
    duration: 45,
    location: { description: 'Room 4' },
    options,
    invitees: [{ email: 'ann@example.org', accountId: ann.account }, { email: 'ben@example.org' }],
  });
  expect(meeting.status).toBe('POLLING');
  links = [];
  for (const invitee of meeting.invitees) {
    links.push(dataOf(await organizer.gql(ROTATE, { m: meeting.id, v: invitee.id })).rotateVoteToken.path);
  }
});
afterAll(() => server.stop());

describe('the vote route', () => {
  it('answers the page as HTML with a strict Content-Security-Policy and no Referer', async () => {
    const response = await fetch(server.origin + links[0]);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<script src="/vote.js" defer></script>');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);

    const script = await fetch(`${server.origin}/vote.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it.each(['/vote/', '/vote/abc', '/vote/abc/', '/vote/abc/def/ghi', '/vote//def'])('answers 404 for %s', async (path) => {
    const response = await fetch(server.origin + path);
    expect(response.status).toBe(404);
    expect((await response.json()).errors[0].extensions.code).toBe('NOT_FOUND');
  });
});

const skip = !browserAvailable;
describe.skipIf(skip)(`the vote page in chromium${skip ? `: skipped, no chromium at ${chromiumPath}` : ''}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  /** The link in a new offline context at a phone's viewport, in `timezoneId`; `prepare` runs before the page loads. */
  async function open(link: string, timezoneId = 'Europe/Berlin', prepare?: (page: Page) => Promise<void>) {
    const phone = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, timezoneId, locale: 'en-GB' };
    const { context, blocked, errors } = await offlineContext(browser, server.origin, phone);
    const page = await context.newPage();
    await prepare?.(page);
    await page.goto(server.origin + link);
    return { page, context, blocked, errors };
  }

  const tallies = (page: Page) => page.locator('.tally').allTextContents();

  it('shows the poll, takes votes from both invitees, and shows the other vote live', async () => {
    const ann = await open(links[0]!, 'Europe/Berlin');
    await expect.poll(() => ann.page.getByRole('heading', { level: 1 }).textContent()).toBe('Quarterly <b>planning</b>');
    // The options in the viewer's zone: 09:00Z is 11:00 in Berlin in May.
    await ann.page.getByLabel(/Tuesday, 6 May 2031 at 11:00/).waitFor();
    await ann.page.getByLabel(/Wednesday, 7 May 2031 at 16:30/).waitFor();
    await ann.page.getByText('Europe/Berlin').waitFor();
    await ann.page.getByText('Room 4').waitFor();
    await ann.page.getByText('45 minutes').waitFor();
    expect(await ann.page.locator('.adjacent').allTextContents()).toEqual(['Before: Dentist (09:00–09:45)']);
    expect(await tallies(ann.page)).toEqual(['0 yes, 0 no, 0 maybe, 2 not answered', '0 yes, 0 no, 0 maybe, 2 not answered']);
    await ann.page.screenshot({ path: join(tmpdir(), 'convene-vote-page.png'), fullPage: true });
    // Nothing wider than the phone: no sideways scrolling.
    expect(await ann.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    // Ann ticks the second option and votes for it (keyboard: focus the box, space, then the button).
    await ann.page.getByLabel(/7 May 2031/).focus();
    await ann.page.keyboard.press('Space');
    await ann.page.getByRole('button', { name: 'Vote for the ticked options' }).click();
    await expect.poll(() => tallies(ann.page)).toEqual(['0 yes, 1 no, 0 maybe, 1 not answered', '1 yes, 0 no, 0 maybe, 1 not answered']);
    await ann.page.getByText('Your answer: the ticked options.').waitFor();

    // Ben, in New York, answers ALWAYS with one click; Ann's page follows without reloading.
    const ben = await open(links[1]!, 'America/New_York');
    await ben.page.getByLabel(/Tuesday, 6 May 2031 at 05:00/).waitFor();
    await ben.page.getByRole('button', { name: 'Any option suits me' }).click();
    await expect.poll(() => ben.page.getByRole('button', { name: 'Any option suits me' }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => tallies(ben.page)).toEqual(['1 yes, 1 no, 0 maybe, 0 not answered', '2 yes, 0 no, 0 maybe, 0 not answered']);
    await expect
      .poll(() => tallies(ann.page), { timeout: 10_000 })
      .toEqual(['1 yes, 1 no, 0 maybe, 0 not answered', '2 yes, 0 no, 0 maybe, 0 not answered']);
    // Ann's own tick survives the live update.
    expect(await ann.page.getByLabel(/7 May 2031/).isChecked()).toBe(true);

    for (const { context, blocked, errors } of [ann, ben]) {
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });

  it('opens the connection again when it drops, and shows the votes cast meanwhile', async () => {
    // Every WebSocket of the page goes through this route, which the test can close from the page's side.
    const sockets: WebSocketRoute[] = [];
    const ann = await open(links[0]!, 'Europe/Berlin', (page) =>
      page.routeWebSocket(/\/graphql$/, (socket) => {
        socket.connectToServer();
        sockets.push(socket);
      }),
    );
    const before = ['1 yes, 1 no, 0 maybe, 0 not answered', '2 yes, 0 no, 0 maybe, 0 not answered'];
    await expect.poll(() => tallies(ann.page)).toEqual(before);
    await expect.poll(() => sockets.length).toBe(1);
    await sockets[0]!.close({ code: 1001 });

    // While Ann's page is disconnected, Ben changes his vote to NO (through his link's token, as his page would).
    const ben = new URL(server.origin + links[1]!);
    const [, , m, v] = ben.pathname.split('/').map(decodeURIComponent);
    const VOTE = 'mutation ($m: ID!, $v: ID!, $t: String) { vote(meetingId: $m, voterId: $v, voteToken: $t, response: NO) { closed } }';
    dataOf(await server.gql(VOTE, { m, v, t: ben.searchParams.get('token') }, null));

    // The page connects again within a few seconds and reads the poll before following it again.
    await expect.poll(() => sockets.length, { timeout: 10_000 }).toBe(2);
    const after = ['0 yes, 2 no, 0 maybe, 0 not answered', '1 yes, 1 no, 0 maybe, 0 not answered'];
    await expect.poll(() => tallies(ann.page), { timeout: 10_000 }).toEqual(after);
    // And follows live again: Ben back to ALWAYS shows without reloading.
    dataOf(await server.gql(VOTE.replace('response: NO', 'response: ALWAYS'), { m, v, t: ben.searchParams.get('token') }, null));
    await expect.poll(() => tallies(ann.page), { timeout: 10_000 }).toEqual(before);
    expect(ann.blocked).toEqual([]);
    expect(ann.errors).toEqual([]);
    await ann.context.close();
  });

  it('tells the holder of a wrong token that the link is not valid any more', async () => {
    const wrong = links[0]!.replace(/token=.*/, 'token=cvt_wrong');
    const { page, context, blocked, errors } = await open(wrong);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This vote link is not valid any more: ask the organizer for a new one.');
    expect(await page.getByRole('button', { name: 'Any option suits me' }).isVisible()).toBe(false);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
