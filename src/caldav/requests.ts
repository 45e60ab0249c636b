// WebDAV request bodies as typed requests: PROPFIND (RFC 4918 §9.1) and REPORT (RFC 4791 §7,
// RFC 6578 §3.2). Pure: text in, a request or a DavError out.
import { CALDAV, childElement, childElements, DAV, isElement, MalformedXml, nameOf, parseXml, type QName } from './xml.ts';

/** A refusal with its HTTP status and, where WebDAV defines one, the precondition element (RFC 4918 §16). */
export class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly precondition: QName | null = null,
  ) {
    super(message);
  }
}

export type PropfindRequest = { type: 'prop'; props: QName[] } | { type: 'allprop'; include: QName[] } | { type: 'propname' };

export type ReportRequest =
  | { type: 'sync-collection'; syncToken: string; syncLevel: '1' | 'infinite'; limit: number | null; props: QName[] }
  | { type: 'calendar-query' }
  | { type: 'calendar-multiget' }
  | { type: 'unknown'; name: QName };

function parseBody(text: string) {
  try {
    return parseXml(text);
  } catch (error) {
    if (error instanceof MalformedXml) throw new DavError(400, `the request body is not well-formed XML: ${error.message}`);
    throw error;
  }
}

const propNames = (prop: Element) => childElements(prop).map(nameOf);

type Element = ReturnType<typeof parseXml>;

/** A PROPFIND body; an empty one asks for allprop (RFC 4918 §9.1). */
export function parsePropfind(text: string): PropfindRequest {
  if (!text.trim()) return { type: 'allprop', include: [] };
  const root = parseBody(text);
  if (!isElement(root, DAV, 'propfind')) throw new DavError(400, 'the body of a PROPFIND is a DAV:propfind element');
  const prop = childElement(root, DAV, 'prop');
  if (prop) return { type: 'prop', props: propNames(prop) };
  if (childElement(root, DAV, 'propname')) return { type: 'propname' };
  if (childElement(root, DAV, 'allprop')) {
    const include = childElement(root, DAV, 'include');
    return { type: 'allprop', include: include ? propNames(include) : [] };
  }
  throw new DavError(400, 'DAV:propfind holds DAV:prop, DAV:propname or DAV:allprop');
}

/** A REPORT body. */
export function parseReport(text: string): ReportRequest {
  const root = parseBody(text);
  if (isElement(root, DAV, 'sync-collection')) return parseSyncCollection(root);
  if (isElement(root, CALDAV, 'calendar-query')) return { type: 'calendar-query' };
  if (isElement(root, CALDAV, 'calendar-multiget')) return { type: 'calendar-multiget' };
  return { type: 'unknown', name: nameOf(root) };
}

/** RFC 6578 §6.1: sync-token (empty: an initial sync), sync-level, optional limit, prop. */
function parseSyncCollection(root: Element): ReportRequest {
  const token = childElement(root, DAV, 'sync-token');
  if (!token) throw new DavError(400, 'DAV:sync-collection needs a DAV:sync-token (empty for an initial sync)');
  const level = childElement(root, DAV, 'sync-level')?.textContent?.trim();
  if (level !== '1' && level !== 'infinite') throw new DavError(400, 'DAV:sync-level is 1 or infinite');
  const prop = childElement(root, DAV, 'prop');
  if (!prop) throw new DavError(400, 'DAV:sync-collection needs a DAV:prop');
  return {
    type: 'sync-collection',
    syncToken: token.textContent?.trim() ?? '',
    syncLevel: level,
    limit: parseLimit(root),
    props: propNames(prop),
  };
}

/** RFC 5323 §5.17 DAV:limit/DAV:nresults: a positive integer. */
function parseLimit(root: Element): number | null {
  const limit = childElement(root, DAV, 'limit');
  if (!limit) return null;
  const text = childElement(limit, DAV, 'nresults')?.textContent?.trim() ?? '';
  const n = /^\d{1,9}$/.test(text) ? Number(text) : 0;
  if (n < 1) throw new DavError(400, 'DAV:limit holds DAV:nresults, a positive integer');
  return n;
}

/** The Depth header of a PROPFIND: 0 or 1; infinity (or none, which means it) is refused (RFC 4918 §9.1). */
export function propfindDepth(header: string | null): 0 | 1 {
  const depth = header?.trim().toLowerCase();
  if (depth === '0') return 0;
  if (depth === '1') return 1;
  if (depth === undefined || depth === 'infinity') {
    throw new DavError(403, 'PROPFIND with Depth: infinity is not served: use Depth 0 or 1', { ns: DAV, name: 'propfind-finite-depth' });
  }
  throw new DavError(400, 'Depth is 0, 1 or infinity');
}
