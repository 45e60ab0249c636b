// CalDAV's XML: request parsing and multistatus writing with the examples of RFC 4918 §9.1,
// RFC 4791 §6.2.1 and §7.8.1 and RFC 6578 §6.1-6.3; paths, sync tokens and Depth.
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { batchSize, type DavResponse, errorBody, multistatus, streamedMultistatusResponse } from '../../src/caldav/multistatus.ts';
import { badResourceName, hrefOf, parseDavPath } from '../../src/caldav/paths.ts';
import { parsePropfind, parseReport, propfindDepth } from '../../src/caldav/requests.ts';
import { parseSyncToken, syncTokenOf } from '../../src/caldav/sync-collection.ts';
import { CALDAV, DAV, element } from '../../src/caldav/xml.ts';
import { refusal } from '../support/dav-errors.ts';

const BOX = 'urn:ns.example.com:boxschema';

type Shape = string | [string, ...Shape[]];

/** An XML text as nested [{namespace}name, ...children] with text leaves (whitespace-only text dropped), prefixes ignored. */
function shape(xml: string): Shape {
  const walk = (node: any): Shape | null => {
    if (node.nodeType === 3) return node.data.trim() ? node.data : null;
    if (node.nodeType !== 1) return null;
    const attributes = [...node.attributes].filter((a: any) => !a.name.startsWith('xmlns')).map((a: any) => `@${a.name}=${a.value}`);
    const children = [...node.childNodes].map(walk).filter((c): c is Shape => c !== null);
    return [`{${node.namespaceURI}}${node.localName}`, ...attributes, ...children];
  };
  return walk(new DOMParser().parseFromString(xml, 'text/xml').documentElement)!;
}

const d = (name: string) => `{DAV:}${name}`;

describe('PROPFIND bodies', () => {
  it('reads named properties in any namespace and prefix (RFC 4918 §9.1.3)', () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?>
      <D:propfind xmlns:D="DAV:">
        <D:prop xmlns:R="http://ns.example.com/boxschema/">
          <R:bigbox/> <R:author/> <R:DingALing/> <R:Random/>
        </D:prop>
      </D:propfind>`;
    const R = 'http://ns.example.com/boxschema/';
    expect(parsePropfind(body)).toEqual({
      type: 'prop',
      props: ['bigbox', 'author', 'DingALing', 'Random'].map((name) => ({ ns: R, name })),
    });
  });

  it('reads the calendar-home-set request of RFC 4791 §6.2.1, and DAV: as the default namespace', () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?>
      <D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-home-set/></D:prop></D:propfind>`;
    expect(parsePropfind(body)).toEqual({ type: 'prop', props: [{ ns: CALDAV, name: 'calendar-home-set' }] });
    expect(parsePropfind('<propfind xmlns="DAV:"><prop><getetag/><x:y xmlns:x="urn:x"/></prop></propfind>')).toEqual({
      type: 'prop',
      props: [
        { ns: DAV, name: 'getetag' },
        { ns: 'urn:x', name: 'y' },
      ],
    });
  });

  it('reads propname (§9.1.4), allprop with include (§9.1.6), and an empty body as allprop', () => {
    expect(parsePropfind('<?xml version="1.0" encoding="utf-8" ?><propfind xmlns="DAV:"><propname/></propfind>')).toEqual({
      type: 'propname',
    });
    const allprop = `<D:propfind xmlns:D="DAV:"><D:allprop/><D:include><D:supported-live-property-set/><D:supported-report-set/></D:include></D:propfind>`;
    expect(parsePropfind(allprop)).toEqual({
      type: 'allprop',
      include: [
        { ns: DAV, name: 'supported-live-property-set' },
        { ns: DAV, name: 'supported-report-set' },
      ],
    });
    expect(parsePropfind('  \n')).toEqual({ type: 'allprop', include: [] });
  });

  it('refuses malformed XML and other documents with 400, never expanding entities', () => {
    for (const body of [
      '<D:propfind xmlns:D="DAV:"><D:prop>',
      '<propfind xmlns="DAV:"><prop></propfind>',
      'not xml at all',
      '<D:propfind xmlns:D="DAV:"/><second/>',
      '<x:propfind xmlns:x="urn:not-dav"><x:prop/></x:propfind>', // the name, not the prefix, decides
      '<propfind><prop/></propfind>', // no namespace: not DAV:propfind
      '<propfind xmlns="DAV:"><nothing/></propfind>',
      '<!DOCTYPE propfind [<!ENTITY e SYSTEM "file:///etc/passwd">]><propfind xmlns="DAV:"><prop>&e;</prop></propfind>',
    ]) {
      expect([body, refusal(() => parsePropfind(body)).status]).toEqual([body, 400]);
    }
  });
});

describe('REPORT bodies', () => {
  it('reads the initial sync-collection of RFC 6578 §6.1: empty token, level 1, the props', () => {
    const body = `<?xml version="1.0" encoding="utf-8" ?>
      <D:sync-collection xmlns:D="DAV:">
        <D:sync-token/>
        <D:sync-level>1</D:sync-level>
        <D:prop xmlns:R="urn:ns.example.com:boxschema">
          <D:getetag/>
          <R:bigbox/>
        </D:prop>
      </D:sync-collection>`;
    expect(parseReport(body)).toEqual({
      type: 'sync-collection',
      syncToken: '',
      syncLevel: '1',
      limit: null,
      props: [
        { ns: DAV, name: 'getetag' },
        { ns: BOX, name: 'bigbox' },
      ],
    });
  });

  it('reads a token (§6.2) and DAV:limit (§6.3)', () => {
    const body = (limit: string) => `<?xml version="1.0" encoding="utf-8" ?>
      <D:sync-collection xmlns:D="DAV:">
        <D:sync-token>http://example.com/ns/sync/1233</D:sync-token>
        <D:sync-level>1</D:sync-level>
        ${limit}
        <D:prop><D:getetag/></D:prop>
      </D:sync-collection>`;
    expect(parseReport(body('<D:limit><D:nresults>100</D:nresults></D:limit>'))).toMatchObject({
      syncToken: 'http://example.com/ns/sync/1233',
      limit: 100,
    });
    expect(parseReport(body(''))).toMatchObject({ limit: null });
    for (const limit of [
      '<D:limit/>',
      '<D:limit><D:nresults>0</D:nresults></D:limit>',
      '<D:limit><D:nresults>ten</D:nresults></D:limit>',
    ]) {
      expect([limit, refusal(() => parseReport(body(limit))).status]).toEqual([limit, 400]);
    }
  });

  it('refuses a sync-collection without a token, a valid level or props (400)', () => {
    for (const inner of [
      '<D:sync-level>1</D:sync-level><D:prop/>',
      '<D:sync-token/><D:sync-level>2</D:sync-level><D:prop/>',
      '<D:sync-token/><D:prop/>',
      '<D:sync-token/><D:sync-level>infinite</D:sync-level>',
    ]) {
      const body = `<D:sync-collection xmlns:D="DAV:">${inner}</D:sync-collection>`;
      expect([inner, refusal(() => parseReport(body)).status]).toEqual([inner, 400]);
    }
  });

  it('tells calendar-query (RFC 4791 §7.8.1) and calendar-multiget from reports it does not know', () => {
    const query = `<?xml version="1.0" encoding="utf-8" ?>
      <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
        <D:prop>
          <C:calendar-data>
            <C:comp name="VCALENDAR">
              <C:prop name="VERSION"/>
              <C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="UID"/><C:prop name="DTSTART"/></C:comp>
              <C:comp name="VTIMEZONE"/>
            </C:comp>
          </C:calendar-data>
        </D:prop>
        <C:filter>
          <C:comp-filter name="VCALENDAR">
            <C:comp-filter name="VEVENT">
              <C:time-range start="20060104T000000Z" end="20060105T000000Z"/>
            </C:comp-filter>
          </C:comp-filter>
        </C:filter>
      </C:calendar-query>`;
    expect(parseReport(query)).toEqual({
      type: 'calendar-query',
      props: [{ ns: CALDAV, name: 'calendar-data' }],
      filter: {
        name: 'VCALENDAR',
        isNotDefined: false,
        timeRange: null,
        props: [],
        comps: [
          {
            name: 'VEVENT',
            isNotDefined: false,
            timeRange: { start: new Date('2006-01-04T00:00:00Z'), end: new Date('2006-01-05T00:00:00Z') },
            props: [],
            comps: [],
          },
        ],
      },
    });
    const multiget = `<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
      <D:prop><D:getetag/></D:prop><D:href>/bernard/work/abcd1.ics</D:href><D:href>/bernard/work/abcd2.ics</D:href></C:calendar-multiget>`;
    expect(parseReport(multiget)).toEqual({
      type: 'calendar-multiget',
      props: [{ ns: DAV, name: 'getetag' }],
      hrefs: ['/bernard/work/abcd1.ics', '/bernard/work/abcd2.ics'],
    });
    const empty =
      '<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop></C:calendar-multiget>';
    expect(refusal(() => parseReport(empty)).status).toBe(400);
    expect(parseReport('<D:expand-property xmlns:D="DAV:"/>')).toEqual({ type: 'unknown', name: { ns: DAV, name: 'expand-property' } });
    expect(refusal(() => parseReport('<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">')).status).toBe(400);
  });
});

describe('calendar-query filters (RFC 4791 §7.8, §9.7, §9.9)', () => {
  const query = (filter: string, props = '<D:prop><D:getetag/></D:prop>') =>
    `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${props}<C:filter>${filter}</C:filter></C:calendar-query>`;
  const vcalendar = (inner: string) => `<C:comp-filter name="VCALENDAR">${inner}</C:comp-filter>`;
  const filterOf = (body: string) => {
    const parsed = parseReport(body);
    if (parsed.type !== 'calendar-query') throw new Error(parsed.type);
    const [component] = parsed.filter.comps;
    return { component: component?.name ?? null, timeRange: component?.timeRange ?? null };
  };

  it('reads the time ranges of §7.8.1 (VEVENT), §7.8.2 (VTODO, open end) and §7.8.5 (open start)', () => {
    const at = (iso: string) => new Date(iso);
    expect(
      filterOf(
        query(vcalendar('<C:comp-filter name="VEVENT"><C:time-range start="20060104T000000Z" end="20060105T000000Z"/></C:comp-filter>')),
      ),
    ).toEqual({
      component: 'VEVENT',
      timeRange: { start: at('2006-01-04T00:00:00Z'), end: at('2006-01-05T00:00:00Z') },
    });
    expect(filterOf(query(vcalendar('<C:comp-filter name="VTODO"><C:time-range start="20060106T100000Z"/></C:comp-filter>')))).toEqual({
      component: 'VTODO',
      timeRange: { start: at('2006-01-06T10:00:00Z'), end: null },
    });
    expect(filterOf(query(vcalendar('<C:comp-filter name="VEVENT"><C:time-range end="20060107T000000Z"/></C:comp-filter>')))).toEqual({
      component: 'VEVENT',
      timeRange: { start: null, end: at('2006-01-07T00:00:00Z') },
    });
  });

  it('reads a component without a range (§7.8.6: all VTODOs), and VCALENDAR alone as every member', () => {
    expect(filterOf(query(vcalendar('<C:comp-filter name="VTODO"/>')))).toEqual({ component: 'VTODO', timeRange: null });
    expect(filterOf(query(vcalendar('')))).toEqual({ component: null, timeRange: null });
    // allprop, or no prop at all, asks for every property.
    expect(parseReport(query(vcalendar(''), '<D:allprop/>'))).toMatchObject({ props: 'all' });
  });

  it('refuses time ranges that are not UTC date-times, or have neither side (403 valid-filter)', () => {
    for (const range of ['start="20060104T000000"', 'start="2006-01-04T00:00:00Z"', 'start="20061304T000000Z"', 'end="tomorrow"', '']) {
      const body = query(vcalendar(`<C:comp-filter name="VEVENT"><C:time-range ${range}/></C:comp-filter>`));
      expect([range, refusal(() => parseReport(body))]).toEqual([range, { status: 403, precondition: 'valid-filter' }]);
    }
    for (const filter of ['', '<C:comp-filter name="VEVENT"/>', `${vcalendar('')}${vcalendar('')}`]) {
      expect([filter, refusal(() => parseReport(query(filter)))]).toEqual([filter, { status: 403, precondition: 'valid-filter' }]);
    }
  });

  it('refuses the filters it does not evaluate (403 supported-filter): a time-range on VALARM (§7.8.4) or a property, test="anyof"', () => {
    for (const inner of [
      '<C:comp-filter name="VALARM"><C:time-range start="20060106T100000Z" end="20060107T100000Z"/></C:comp-filter>',
      '<C:prop-filter name="COMPLETED"><C:time-range start="20060106T100000Z"/></C:prop-filter>',
      '<C:prop-filter name="UID" test="anyof"><C:is-not-defined/></C:prop-filter>',
    ]) {
      const body = query(vcalendar(`<C:comp-filter name="VEVENT">${inner}</C:comp-filter>`));
      expect([inner, refusal(() => parseReport(body))]).toEqual([inner, { status: 403, precondition: 'supported-filter' }]);
    }
  });
});

describe('multistatus', () => {
  it('writes the initial sync answer of RFC 6578 §6.1: found props at 200, unknown ones in a 404 propstat, the new token', () => {
    const xml = multistatus(
      [
        {
          href: '/home/cyrusdaboo/test.doc',
          found: [
            { name: { ns: DAV, name: 'getetag' }, value: '"00001-abcd1"' },
            { name: { ns: BOX, name: 'bigbox' }, value: [element(BOX, 'BoxType', 'Box type A')] },
          ],
          missing: [],
        },
        {
          href: '/home/cyrusdaboo/mytest.doc',
          found: [{ name: { ns: DAV, name: 'getetag' }, value: '"00001-abcd1"' }],
          missing: [{ ns: BOX, name: 'bigbox' }],
        },
      ],
      'http://example.com/ns/sync/1234',
    );
    expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n')).toBe(true);
    expect(shape(xml)).toEqual([
      d('multistatus'),
      [
        d('response'),
        [d('href'), '/home/cyrusdaboo/test.doc'],
        [
          d('propstat'),
          [d('prop'), [d('getetag'), '"00001-abcd1"'], [`{${BOX}}bigbox`, [`{${BOX}}BoxType`, 'Box type A']]],
          [d('status'), 'HTTP/1.1 200 OK'],
        ],
      ],
      [
        d('response'),
        [d('href'), '/home/cyrusdaboo/mytest.doc'],
        [d('propstat'), [d('prop'), [d('getetag'), '"00001-abcd1"']], [d('status'), 'HTTP/1.1 200 OK']],
        [d('propstat'), [d('prop'), [`{${BOX}}bigbox`]], [d('status'), 'HTTP/1.1 404 Not Found']],
      ],
      [d('sync-token'), 'http://example.com/ns/sync/1234'],
    ]);
  });

  it('writes a removed member (§6.2) and the truncation of §6.3 with its precondition', () => {
    const xml = multistatus(
      [
        { href: '/home/cyrusdaboo/vcard.vcf', status: 404 },
        { href: '/home/cyrusdaboo/', status: 507, error: { ns: DAV, name: 'number-of-matches-within-limits' } },
      ],
      'http://example.com/ns/sync/1233',
    );
    expect(shape(xml)).toEqual([
      d('multistatus'),
      [d('response'), [d('href'), '/home/cyrusdaboo/vcard.vcf'], [d('status'), 'HTTP/1.1 404 Not Found']],
      [
        d('response'),
        [d('href'), '/home/cyrusdaboo/'],
        [d('status'), 'HTTP/1.1 507 Insufficient Storage'],
        [d('error'), [d('number-of-matches-within-limits')]],
      ],
      [d('sync-token'), 'http://example.com/ns/sync/1233'],
    ]);
  });

  it('declares each namespace once on the root, escapes text, and writes attributes', () => {
    const xml = multistatus([
      {
        href: '/a?b=1&c=<2>',
        found: [
          { name: { ns: CALDAV, name: 'supported-calendar-component-set' }, value: [element(CALDAV, 'comp', [], { name: 'VEVENT' })] },
        ],
        missing: [],
      },
    ]);
    expect(xml).toContain('<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">');
    expect(xml).toContain('<d:href>/a?b=1&amp;c=&lt;2&gt;</d:href>');
    expect(xml).toContain('<c:comp name="VEVENT"/>');
    expect(shape(xml)).toEqual([
      d('multistatus'),
      [
        d('response'),
        [d('href'), '/a?b=1&c=<2>'],
        [
          d('propstat'),
          [d('prop'), [`{${CALDAV}}supported-calendar-component-set`, [`{${CALDAV}}comp`, '@name=VEVENT']]],
          [d('status'), 'HTTP/1.1 200 OK'],
        ],
      ],
    ]);
  });

  it('writes hostile text as well-formed XML that reads back as the text, characters XML 1.0 cannot carry as U+FFFD', () => {
    const hostile = 'a ]]> b <![CDATA[ c ]]> &amp; </d:href> "q" \'s\' \r\n\ttab';
    const controls = 'bell\u0007 nul\u0000 vt\u000B ff\u000C esc\u001B \uFFFE\uFFFF';
    const surrogates = 'lone high \uD83D, lone low \uDE00, a pair \uD83D\uDE00 stays';
    const xml = multistatus([
      {
        href: '/x',
        found: [
          { name: { ns: DAV, name: 'displayname' }, value: hostile },
          { name: { ns: CALDAV, name: 'calendar-data' }, value: `SUMMARY:${controls}` },
          { name: { ns: CALDAV, name: 'calendar-description' }, value: surrogates },
          {
            name: { ns: CALDAV, name: 'supported-calendar-component-set' },
            value: [element(CALDAV, 'comp', [], { name: `"<&>\t\n\r\u0001` })],
          },
        ],
        missing: [],
      },
    ]);
    expect(xml).not.toContain(']]>');
    // By code point: a surrogate pair is one, a lone surrogate stays one of D800-DFFF.
    const unwritable = [...xml].filter((c) => {
      const n = c.codePointAt(0)!;
      return (n < 0x20 && n !== 0x9 && n !== 0xa && n !== 0xd) || n === 0xfffe || n === 0xffff || (n >= 0xd800 && n <= 0xdfff);
    });
    expect(unwritable).toEqual([]);
    // A strict parser (xmldom reports every well-formedness error) reads the text back.
    const errors: string[] = [];
    const doc = new DOMParser({ onError: (level, message) => void (level !== 'warning' && errors.push(message)) }).parseFromString(
      xml,
      'text/xml',
    );
    expect(errors).toEqual([]);
    const prop = (ns: string, name: string) => doc.getElementsByTagNameNS(ns, name)[0]!;
    // XML parsers read CRLF as LF (XML 1.0 §2.11): calendar-data arrives with LF line ends, as before.
    expect(prop(DAV, 'displayname').textContent).toBe(hostile.replace('\r\n', '\n'));
    expect(prop(CALDAV, 'calendar-data').textContent).toBe('SUMMARY:bell\uFFFD nul\uFFFD vt\uFFFD ff\uFFFD esc\uFFFD \uFFFD\uFFFD');
    expect(prop(CALDAV, 'calendar-description').textContent).toBe('lone high \uFFFD, lone low \uFFFD, a pair \uD83D\uDE00 stays');
    expect(prop(CALDAV, 'comp').getAttribute('name')).toBe('"<&>\t\n\r\uFFFD');
  });

  it('writes a property in no namespace (one a client asked for without declaring DAV:) unprefixed', () => {
    const body = multistatus([{ href: '/x', found: [], missing: [{ ns: '', name: 'getetag' }] }]);
    expect(shape(body)).toEqual([
      d('multistatus'),
      [d('response'), [d('href'), '/x'], [d('propstat'), [d('prop'), ['{null}getetag']], [d('status'), 'HTTP/1.1 404 Not Found']]],
    ]);
  });

  it('writes an error body with its precondition (RFC 4918 §16)', () => {
    expect(shape(errorBody({ ns: DAV, name: 'valid-sync-token' }))).toEqual([d('error'), [d('valid-sync-token')]]);
    expect(shape(errorBody({ ns: CALDAV, name: 'valid-calendar-data' }, 'no DTSTART'))).toEqual([
      d('error'),
      [`{${CALDAV}}valid-calendar-data`],
      ['{http://convene.invalid/ns/}message', 'no DTSTART'],
    ]);
    expect(shape(multistatus([]))).toEqual([d('multistatus')]);
  });
});

describe('streamed multistatus', () => {
  const member = (i: number): DavResponse =>
    i % 3 === 0
      ? { href: `/c/${i}.ics`, status: 404 }
      : { href: `/c/${i}.ics`, found: [{ name: { ns: CALDAV, name: 'calendar-data' }, value: `SUMMARY:${i}` }], missing: [] };
  const inBatches = async function* (responses: DavResponse[], fail?: Error) {
    for (let i = 0; i < responses.length; i += batchSize) yield responses.slice(i, i + batchSize);
    if (fail) throw fail;
  };
  const noAbort = (error: unknown) => {
    throw error;
  };

  it('writes what multistatus writes, byte for byte, batch by batch, and one batch as it is', async () => {
    const responses = Array.from({ length: batchSize * 3 + 7 }, (_, i) => member(i));
    const streamed = await streamedMultistatusResponse(inBatches(responses), 'http://convene.invalid/ns/sync/9', noAbort);
    expect([streamed.status, streamed.headers.get('content-type')]).toEqual([207, 'application/xml; charset=utf-8']);
    expect(await streamed.text()).toBe(multistatus(responses, 'http://convene.invalid/ns/sync/9'));
    const small = await streamedMultistatusResponse(inBatches(responses.slice(0, 3)), undefined, noAbort);
    expect(await small.text()).toBe(multistatus(responses.slice(0, 3)));
    expect(await (await streamedMultistatusResponse(inBatches([]), undefined, noAbort)).text()).toBe(multistatus([]));
  });

  it('declares a namespace first met in a later batch on the response that brings it', async () => {
    const BOX = 'urn:ns.example.com:boxschema';
    const responses = Array.from({ length: batchSize * 2 + 1 }, (_, i) => member(i));
    responses.push({ href: '/c/box.ics', found: [], missing: [{ ns: BOX, name: 'bigbox' }] });
    const xml = await (await streamedMultistatusResponse(inBatches(responses), undefined, noAbort)).text();
    expect(xml).toContain('<d:response xmlns:x2="urn:ns.example.com:boxschema">');
    expect(shape(xml)).toEqual(shape(multistatus(responses)));
  });

  it('tells abort of a failure after the status went out, and ends the body there', async () => {
    const responses = Array.from({ length: batchSize * 3 }, (_, i) => member(i));
    const failure = new Error('the database went away');
    const aborted: unknown[] = [];
    const streamed = await streamedMultistatusResponse(inBatches(responses, failure), undefined, (error) => aborted.push(error));
    expect(streamed.status).toBe(207);
    const text = await streamed.text();
    expect(aborted).toEqual([failure]);
    expect(text.match(/<d:response>/g)).toHaveLength(batchSize * 3);
    expect(text).not.toContain('</d:multistatus>');
  });

  it('fails before answering when the first batches cannot be made', async () => {
    const failing = (async function* (): AsyncGenerator<DavResponse[]> {
      yield [member(1)];
      throw new Error('no such table');
    })();
    await expect(streamedMultistatusResponse(failing, undefined, noAbort)).rejects.toThrow('no such table');
  });
});

describe('paths, sync tokens and Depth', () => {
  const account = '0b6c1f0e-7d4c-4a52-9a43-1f0e2d3c4b5a';
  const object = '5f2a8c9e-1b3d-4e6f-8a7b-9c0d1e2f3a4b';

  it('parses every resource and writes it back', () => {
    const cases: Array<[string, ReturnType<typeof parseDavPath>]> = [
      ['/dav/', { type: 'root' }],
      ['/dav/principals/alice/', { type: 'principal', username: 'alice' }],
      ['/dav/calendars/alice/', { type: 'home', username: 'alice' }],
      [`/dav/calendars/alice/${account}/`, { type: 'collection', username: 'alice', segment: account }],
      ['/dav/calendars/alice/tasks/', { type: 'collection', username: 'alice', segment: 'tasks' }],
      [`/dav/calendars/alice/${account}/${object}.ics`, { type: 'object', username: 'alice', segment: account, name: `${object}.ics` }],
      [`/dav/calendars/alice/tasks/${object}.ics`, { type: 'object', username: 'alice', segment: 'tasks', name: `${object}.ics` }],
    ];
    for (const [path, resource] of cases) {
      expect([path, parseDavPath(path)]).toEqual([path, resource]);
      expect(hrefOf(resource!)).toBe(path);
    }
    // Any resource name, kept exactly as sent (decoded) and written back percent-encoded ("@" as it is).
    for (const [path, name] of [
      [`/dav/calendars/alice/tasks/${object.toUpperCase()}.ics`, `${object.toUpperCase()}.ics`],
      ['/dav/calendars/alice/tasks/my%20event.ics', 'my event.ics'],
      ['/dav/calendars/alice/tasks/20261202T101500Z-123@host.ics', '20261202T101500Z-123@host.ics'],
      ['/dav/calendars/alice/tasks/x', 'x'],
    ]) {
      const resource = parseDavPath(path!);
      expect(resource).toEqual({ type: 'object', username: 'alice', segment: 'tasks', name });
      expect(hrefOf(resource!)).toBe(path);
    }
    expect(parseDavPath('/dav/calendars/alice/tasks/a%2Fb.ics')).toMatchObject({ name: 'a/b.ics' });
    expect([badResourceName('a/b.ics'), badResourceName('a\u0007.ics'), badResourceName(`${'x'.repeat(252)}.ics`)]).toEqual([
      expect.stringContaining('/'),
      expect.stringContaining('control'),
      expect.stringContaining('255'),
    ]);
    expect(badResourceName('my event@host.ics')).toBeNull();
    // Without trailing slashes, %-escaped names; a collection's segment exactly as sent (resolved against the user's collections).
    expect(parseDavPath('/dav/principals/alice')).toEqual({ type: 'principal', username: 'alice' });
    expect(parseDavPath(`/dav/calendars/al%2Eice/${account.toUpperCase()}`)).toEqual({
      type: 'collection',
      username: 'al.ice',
      segment: account.toUpperCase(),
    });
    expect(hrefOf({ type: 'collection', username: 'alice', segment: 'my calendar' })).toBe('/dav/calendars/alice/my%20calendar/');
  });

  it('names nothing for other paths', () => {
    for (const path of [
      '/other/',
      '/dav/elsewhere/alice/',
      '/dav/principals/',
      '/dav/principals/alice/more/',
      `/dav/calendars/alice/${account}/${object}.ics/more`,
      '/dav/calendars/%E0%A4%A/',
    ]) {
      expect([path, parseDavPath(path)]).toEqual([path, null]);
    }
  });

  it('reads back only the sync tokens it writes', () => {
    for (const revision of [0, 1, 1234, 2 ** 31 - 1]) expect(parseSyncToken(syncTokenOf(revision))).toBe(revision);
    for (const token of [
      '',
      'http://convene.invalid/ns/sync/',
      'http://convene.invalid/ns/sync/-1',
      'http://convene.invalid/ns/sync/01',
      'http://convene.invalid/ns/sync/1.5',
      `http://convene.invalid/ns/sync/${2 ** 31}`,
      'http://example.com/ns/sync/1234',
      'data:,1',
    ]) {
      expect([token, parseSyncToken(token)]).toEqual([token, null]);
    }
  });

  it('serves PROPFIND at Depth 0 and 1; infinity, or no Depth (which means it), is 403 propfind-finite-depth', () => {
    expect([propfindDepth('0'), propfindDepth(' 1 ')]).toEqual([0, 1]);
    expect(refusal(() => propfindDepth('infinity'))).toEqual({ status: 403, precondition: 'propfind-finite-depth' });
    expect(refusal(() => propfindDepth('Infinity'))).toEqual({ status: 403, precondition: 'propfind-finite-depth' });
    expect(refusal(() => propfindDepth(null))).toEqual({ status: 403, precondition: 'propfind-finite-depth' });
    expect(refusal(() => propfindDepth('2'))).toEqual({ status: 400, precondition: null });
  });
});
