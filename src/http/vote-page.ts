// The vote page an invitee's link opens (/vote/<meetingId>/<voterId>?token=..., votePath in
// src/meetings/vote-tokens.ts): one HTML document and one script, no framework and no build
// step. The page holds no data: the script reads the ids and token from its URL and calls the
// same GraphQL API as any client (poll, adjacentEvents, vote), and follows pollChanged over the
// WebSocket with the graphql-transport-ws protocol spoken directly (connection_init, subscribe,
// next), which is all a single subscription needs. Everything from the API goes into the page as
// text (textContent), never as markup.
//
// Headers: the Content-Security-Policy allows this origin's script and connections only and the
// one inline style sheet by its hash, so the page loads nothing from elsewhere and runs no
// injected script. The URL carries the token, so the page is never cached and sends no Referer.
import { createHash } from 'node:crypto';
import { ErrorCode } from '../errors.ts';
import { errorResponse, type Route } from './routes.ts';

export const voteScriptPath = '/vote.js';

const style = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;padding:1rem;max-width:42rem;color:#1a1a1a;background:#fff}
h1{font-size:1.5rem;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.responses{display:flex;flex-wrap:wrap;gap:.5rem}
button{font:inherit;padding:.5rem .9rem;border:2px solid #1f4f8a;border-radius:.4rem;background:#fff;color:#1f4f8a;cursor:pointer}
button[aria-pressed=true]{background:#1f4f8a;color:#fff}
button:disabled{opacity:.5;cursor:default}
:focus-visible{outline:3px solid #c25e00;outline-offset:2px}
ul{list-style:none;padding:0;margin:0}
li{border:1px solid #ccc;border-radius:.4rem;padding:.6rem;margin:0 0 .5rem}
label{display:flex;gap:.5rem;align-items:flex-start;font-weight:600}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin:.15rem 0 0;flex:none}
.tally,.adjacent{margin:.25rem 0 0 1.75rem;font-size:.9rem;color:#444}
fieldset{border:0;padding:0;margin:0}legend{padding:0;margin:0 0 .5rem}
[role=alert]{border:2px solid #a00;border-radius:.4rem;padding:.75rem;color:#a00}
`;

const styleHash = createHash('sha256').update(style).digest('base64');

const headers = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'sha256-${styleHash}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const page = (graphqlPath: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vote – convene</title>
<style>${style}</style>
<script src="${voteScriptPath}" defer></script>
</head>
<body data-graphql-path="${graphqlPath}">
<main>
<h1 id="title">Loading the poll…</h1>
<p id="problem" role="alert" hidden></p>
<div id="poll" hidden>
<dl id="summary"></dl>
<h2>Your vote</h2>
<p id="current" aria-live="polite"></p>
<div class="responses" role="group" aria-label="Answer for every option">
<button type="button" data-response="ALWAYS">Any option suits me</button>
<button type="button" data-response="WHEN_AVAILABLE">When my calendar is free</button>
<button type="button" data-response="MAYBE">Maybe</button>
<button type="button" data-response="NO">None suits me</button>
</div>
<h2>The options</h2>
<p id="zone"></p>
<form id="custom">
<fieldset>
<legend>Or tick the options that suit you, then vote for them:</legend>
<ul id="options"></ul>
</fieldset>
<button type="submit">Vote for the ticked options</button>
</form>
</div>
</main>
</body>
</html>
`;

const script = `'use strict';
(() => {
  const graphqlPath = document.body.dataset.graphqlPath;
  const [meetingId, voterId] = location.pathname.split('/').slice(2).map(decodeURIComponent);
  const variables = { m: meetingId, v: voterId, t: new URLSearchParams(location.search).get('token') || '' };
  const fields = 'title organizer { name email } duration location { description address } options closed ' +
    'voter { response preferred } tallies { start yes no maybe pending }';
  const args = 'meetingId: $m, voterId: $v, voteToken: $t';
  const POLL = 'query ($m: ID!, $v: ID!, $t: String) { poll(' + args + ') { ' + fields + ' } ' +
    'adjacentEvents(' + args + ') { start before { title start end } after { title start end } } }';
  const VOTE = 'mutation ($m: ID!, $v: ID!, $t: String, $r: VoteResponse!, $p: [DateTime!]) { vote(' + args +
    ', response: $r, preferred: $p) { ' + fields + ' } }';
  const CHANGES = 'subscription ($m: ID!, $v: ID, $t: String) { pollChanged(' + args + ') { ' + fields + ' } }';
  const responseNames = { ALWAYS: 'any option suits you', WHEN_AVAILABLE: 'when your calendar is free', MAYBE: 'maybe',
    NO: 'none suits you', CUSTOM: 'the ticked options', NOT_YET: 'not voted yet' };
  const $ = (id) => document.getElementById(id);
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
  const adjacent = new Map();

  function element(tag, text, attributes) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    return node;
  }

  function problem(error) {
    const code = error && error.extensions && error.extensions.code;
    $('problem').textContent = code === 'FORBIDDEN' ? 'This vote link is not valid any more: ask the organizer for a new one.'
      : code === 'POLL_CLOSED' ? 'The poll is closed: votes are no longer taken.'
      : 'Something went wrong: ' + ((error && error.message) || error);
    $('problem').hidden = false;
  }

  async function gql(query, vars) {
    const response = await fetch(graphqlPath, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: vars }) });
    const body = await response.json();
    if (body.errors && body.errors.length) throw body.errors[0];
    return body.data;
  }

  function describeAdjacent(item) {
    return item.title + ' (' + time.format(new Date(item.start)) + '–' + time.format(new Date(item.end)) + ')';
  }

  function render(poll) {
    $('title').textContent = poll.title;
    document.title = poll.title + ' – vote';
    const organizer = poll.organizer.name ? poll.organizer.name + ' <' + poll.organizer.email + '>' : poll.organizer.email;
    const place = poll.location && [poll.location.description, poll.location.address].filter(Boolean).join(', ');
    $('summary').replaceChildren(...[['Organizer', organizer], ['Duration', poll.duration + ' minutes'], ['Location', place]]
      .filter(([, value]) => value).flatMap(([term, value]) => [element('dt', term), element('dd', value)]));
    const response = poll.voter ? poll.voter.response : 'NOT_YET';
    $('current').textContent = 'Your answer: ' + responseNames[response] + (poll.closed ? '. The poll is closed.' : '.');
    for (const button of document.querySelectorAll('[data-response]')) {
      button.setAttribute('aria-pressed', String(button.dataset.response === response));
      button.disabled = poll.closed;
    }
    const checked = new Set(poll.voter ? poll.voter.preferred : []);
    $('options').replaceChildren(...poll.tallies.map((tally, index) => {
      const id = 'option-' + index;
      const box = element('input', undefined, { type: 'checkbox', id, value: tally.start });
      box.checked = checked.has(tally.start);
      box.disabled = poll.closed;
      const item = element('li');
      const label = element('label', undefined, { for: id });
      label.append(box, element('span', when.format(new Date(tally.start))));
      item.append(label, element('p', tally.yes + ' yes, ' + tally.no + ' no, ' + tally.maybe + ' maybe, ' +
        tally.pending + ' not answered', { class: 'tally' }));
      const around = adjacent.get(tally.start);
      for (const [side, name] of [['before', 'Before'], ['after', 'After']]) {
        if (around && around[side]) item.append(element('p', name + ': ' + describeAdjacent(around[side]), { class: 'adjacent' }));
      }
      return item;
    }));
    $('custom').querySelector('button').disabled = poll.closed;
    $('poll').hidden = false;
  }

  async function vote(response, preferred) {
    $('problem').hidden = true;
    try {
      render((await gql(VOTE, { ...variables, r: response, p: preferred })).vote);
    } catch (error) {
      problem(error);
    }
  }

  // Follows pollChanged. A dropped connection (a phone changing networks, a server restart) is
  // opened again after 1, 2, 4 ... at most 30 seconds; once it is back, the poll is read again
  // before subscribing, so votes cast meanwhile are not missed.
  function follow(retryMs = 1000, reconnecting = false) {
    const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + graphqlPath,
      'graphql-transport-ws');
    let acknowledged = false;
    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
    socket.onclose = () => {
      const wait = acknowledged ? 1000 : retryMs;
      setTimeout(() => follow(Math.min(wait * 2, 30000), true), wait);
    };
    socket.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'connection_ack') {
        acknowledged = true;
        if (reconnecting) {
          try {
            render((await gql(POLL, variables)).poll);
          } catch (error) {
            problem(error);
          }
        }
        socket.send(JSON.stringify({ id: 'poll', type: 'subscribe', payload: { query: CHANGES, variables } }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next' && message.payload.data) {
        render(message.payload.data.pollChanged);
      }
    };
  }

  document.addEventListener('DOMContentLoaded', async () => {
    $('zone').textContent = 'Times are in your time zone, ' + Intl.DateTimeFormat().resolvedOptions().timeZone + '.';
    for (const button of document.querySelectorAll('[data-response]')) {
      button.addEventListener('click', () => vote(button.dataset.response));
    }
    $('custom').addEventListener('submit', (event) => {
      event.preventDefault();
      vote('CUSTOM', [...$('options').querySelectorAll('input:checked')].map((box) => box.value));
    });
    try {
      const data = await gql(POLL, variables);
      for (const around of data.adjacentEvents) adjacent.set(around.start, around);
      render(data.poll);
      follow();
    } catch (error) {
      $('title').textContent = 'Vote';
      problem(error);
    }
  });
})();
`;

/** /vote/<meetingId>/<voterId>: the page, for exactly two non-empty segments; 404 otherwise. */
const votePage: Route['handler'] = (request, { config }) => {
  const segments = new URL(request.url).pathname.split('/').slice(2);
  if (segments.length !== 2 || segments.some((segment) => !segment)) {
    return errorResponse(404, ErrorCode.NOT_FOUND, 'a vote link is /vote/<meetingId>/<voterId>?token=...');
  }
  return new Response(page(config.graphqlPath), { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });
};

const voteScript: Route['handler'] = () =>
  new Response(script, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' } });

export const voteRoutes: Route[] = [
  { method: 'GET', path: '/vote/*', handler: votePage },
  { method: 'GET', path: voteScriptPath, handler: voteScript },
];
