// WebDAV answers as XML: multistatus (RFC 4918 §13, with RFC 6578's sync-token) and error
// bodies with a precondition (RFC 4918 §16). Values in, text out; a large answer is written as
// its batches of values come (streamedMultistatusResponse).
import type { DavError } from './requests.ts';
import {
  CALDAV,
  CONVENE,
  clark,
  DAV,
  davElement,
  declarationsOf,
  element,
  elementXml,
  namespacesOf,
  prefixesOf,
  type QName,
  writeXml,
  type XmlElement,
  xmlDeclaration,
} from './xml.ts';

/** A resource's properties as found: values (elements to put inside the property) or null for "not here". */
export type PropValues = Map<string, { name: QName; value: XmlElement[] | string }>;

export type DavResponse =
  /** A resource and its properties, grouped into one propstat per status. */
  | { href: string; found: Array<{ name: QName; value: XmlElement[] | string }>; missing: QName[] }
  /** A resource answered by status alone: a removed member (404), a truncated result (507). */
  | { href: string; status: number; error?: QName };

const reasons: Record<number, string> = {
  200: 'OK',
  404: 'Not Found',
  403: 'Forbidden',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

export const statusLine = (status: number) => `HTTP/1.1 ${status} ${reasons[status] ?? ''}`.trimEnd();

function propstat(props: XmlElement[], status: number): XmlElement {
  return davElement('propstat', [davElement('prop', props), davElement('status', statusLine(status))]);
}

function responseElement(response: DavResponse): XmlElement {
  const href = davElement('href', response.href);
  if ('status' in response) {
    const error = response.error ? [davElement('error', [element(response.error.ns, response.error.name)])] : [];
    return davElement('response', [href, davElement('status', statusLine(response.status)), ...error]);
  }
  const propstats: XmlElement[] = [];
  if (response.found.length)
    propstats.push(
      propstat(
        response.found.map(({ name, value }) => element(name.ns, name.name, value)),
        200,
      ),
    );
  if (response.missing.length)
    propstats.push(
      propstat(
        response.missing.map((name) => element(name.ns, name.name)),
        404,
      ),
    );
  // A resource with nothing asked of it still answers (RFC 4918 §14.24: at least one propstat or a status).
  if (!propstats.length) propstats.push(propstat([], 200));
  return davElement('response', [href, ...propstats]);
}

/** A 207 Multi-Status body; `syncToken` for a sync-collection report (RFC 6578 §6.4). */
export function multistatus(responses: DavResponse[], syncToken?: string): string {
  const children = responses.map(responseElement);
  if (syncToken !== undefined) children.push(davElement('sync-token', syncToken));
  return writeXml(davElement('multistatus', children));
}

/** The body of a refusal with a precondition: `<D:error><D:valid-sync-token/></D:error>`. */
export function errorBody(precondition: QName, message?: string, href?: string | null): string {
  const explained = message ? [element(CONVENE, 'message', message)] : [];
  const named = href ? [davElement('href', href)] : [];
  return writeXml(davElement('error', [element(precondition.ns, precondition.name, named), ...explained]));
}

const xmlType = { 'content-type': 'application/xml; charset=utf-8' };

export function multistatusResponse(body: string): Response {
  return new Response(body, { status: 207, headers: xmlType });
}

/** How many members a streamed multistatus reads and writes at a time. */
export const batchSize = 500;

/** A list in batches of `batchSize`. */
export function* batchesOf<T>(list: T[]): Generator<T[]> {
  for (let i = 0; i < list.length; i += batchSize) yield list.slice(i, i + batchSize);
}

/**
 * A 207 Multi-Status answer written batch by batch as `batches` produces them, for the answers
 * that grow with the collection (calendar-query, calendar-multiget, sync-collection): an
 * initial sync's multiget of 10,000 events was one 11 MB string, with every row, event and
 * element of it alive until it was written, and garbage collection took ~30% of the server's
 * time for it; streamed, 18% and ~20% less server CPU (bench/README.md, "Initial sync through
 * tsdav: the multistatus streamed"). Now only a batch is alive at a time, and the
 * next one is read when the socket has taken the last (whatwg-node awaits 'drain').
 *
 * The status goes out with the first bytes, so what can fail is found before them: the first
 * two batches are made before answering (an answer of one batch is a plain string, as
 * multistatus writes it). A later failure cannot change the status any more: `abort` is told,
 * and should cut the connection, so that the client sees a broken answer, never a short one.
 *
 * The namespaces are declared on the root as multistatus declares them, from the first two
 * batches; one a later response brings (a property only some members answer) is declared on
 * that response.
 */
export async function streamedMultistatusResponse(
  batches: AsyncIterable<DavResponse[]>,
  syncToken: string | undefined,
  abort: (error: unknown) => void,
): Promise<Response> {
  const iterator = batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  const second = first.done ? first : await iterator.next();
  if (second.done) return multistatusResponse(multistatus(first.value ?? [], syncToken));
  let ahead: DavResponse[][] | null = [first.value, second.value];
  const prefixOf = prefixesOf(namespacesOf(ahead.flat().map(responseElement), new Set([DAV])));
  const writeResponses = (responses: DavResponse[]) => {
    let out = '';
    for (const response of responses) {
      const el = responseElement(response);
      const unknown = [...namespacesOf([el])].filter((ns) => !prefixOf.has(ns));
      if (!unknown.length) out += elementXml(el, prefixOf);
      else {
        const local = prefixesOf([...prefixOf.keys(), ...unknown]);
        out += elementXml(el, local, declarationsOf(new Map(unknown.map((ns) => [ns, local.get(ns)!]))));
      }
    }
    return Buffer.from(out);
  };
  const root = davElement('multistatus');
  const [open, close] = [`<${prefixOf.get(DAV)}:${root.name}${declarationsOf(prefixOf)}>`, `</${prefixOf.get(DAV)}:${root.name}>`];
  async function* body() {
    try {
      yield Buffer.from(xmlDeclaration + open);
      for (const batch of ahead!) yield writeResponses(batch);
      ahead = null;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield writeResponses(next.value);
      const token = syncToken === undefined ? '' : elementXml(davElement('sync-token', syncToken), prefixOf);
      yield Buffer.from(token + close);
    } catch (error) {
      abort(error);
    }
  }
  const chunks = body();
  // Pulled one chunk at a time (highWaterMark 0: nothing is made before the socket asks for it).
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(stream, { status: 207, headers: xmlType });
}

/** The answer to a DavError: its precondition as an XML error body, else its message as text. */
export function davErrorResponse(error: DavError, headers: Record<string, string> = {}): Response {
  if (error.precondition) {
    // A CalDAV precondition refuses what the user wrote or asked (an event, a filter): the
    // message says which part, as SabreDAV's s:message does.
    const message = error.precondition.ns === CALDAV ? error.message : undefined;
    return new Response(errorBody(error.precondition, message, error.href), { status: error.status, headers: { ...xmlType, ...headers } });
  }
  return new Response(`${error.message}\n`, { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers } });
}

/** Splits the properties asked for into found and missing, for one response. */
export function answerProps(href: string, asked: QName[], values: PropValues): DavResponse {
  const found: Array<{ name: QName; value: XmlElement[] | string }> = [];
  const missing: QName[] = [];
  for (const name of asked) {
    const value = values.get(clark(name))?.value;
    if (value == null) missing.push(name);
    else found.push({ name, value });
  }
  return { href, found, missing };
}
