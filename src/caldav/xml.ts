// WebDAV XML, read with @xmldom/xmldom so namespaces are resolved by the parser, never matched
// by prefix, and written with every namespace declared once on the root. Properties and
// elements are named by (namespace, local name); a client may bind any prefix (or none) to DAV:.
//
// Parsing never expands entities (xmldom leaves them unresolved), so a body cannot pull in
// files or blow up in size; anything the parser reports as an error is malformed XML (400).
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';

export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CALENDARSERVER = 'http://calendarserver.org/ns/';
/** convene's own elements (an error's message). */
export const CONVENE = 'http://convene.invalid/ns/';

/** The prefixes convene writes (clients resolve namespaces, not prefixes). */
const prefixes: Record<string, string> = { [DAV]: 'd', [CALDAV]: 'c', [CALENDARSERVER]: 'cs', [CONVENE]: 'convene' };

/** A qualified name: an element or property. */
export interface QName {
  ns: string;
  name: string;
}

export const qname = (ns: string, name: string): QName => ({ ns, name });

/** Clark notation, `{DAV:}getetag`: a QName as a map key. */
export const clark = (q: QName) => `{${q.ns}}${q.name}`;

/** An element to write: a name, and text or child elements. */
export interface XmlElement extends QName {
  text?: string;
  children?: XmlElement[];
  attributes?: Record<string, string>;
}

export const element = (ns: string, name: string, content: string | XmlElement[] = [], attributes?: Record<string, string>): XmlElement =>
  typeof content === 'string' ? { ns, name, text: content, attributes } : { ns, name, children: content, attributes };

export const davElement = (name: string, content?: string | XmlElement[]) => element(DAV, name, content);

export class MalformedXml extends Error {}

/** The document element of an XML body; MalformedXml for anything that is not well-formed XML. */
export function parseXml(text: string): Element {
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new MalformedXml(message);
    },
  });
  let root: Element | null;
  try {
    root = parser.parseFromString(text, 'text/xml').documentElement;
  } catch (error) {
    throw error instanceof MalformedXml ? error : new MalformedXml(String((error as Error).message));
  }
  if (!root) throw new MalformedXml('no document element');
  return root;
}

/** Whether an element is this (namespace, name). */
export const isElement = (node: Node | null, ns: string, name: string): node is Element =>
  node?.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name;

/** The child elements of an element (text, comments and processing instructions skipped). */
export function childElements(parent: Element): Element[] {
  const children: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) children.push(node as Element);
  return children;
}

/** The first child element with this name, or null. */
export const childElement = (parent: Element, ns: string, name: string): Element | null =>
  childElements(parent).find((child) => isElement(child, ns, name)) ?? null;

export const nameOf = (el: Element): QName => ({ ns: el.namespaceURI ?? '', name: el.localName ?? el.nodeName });

/**
 * An XML document (with its declaration) whose root is `root`, namespaces declared on the root.
 *
 * Written as a string, not through a DOM: an initial sync answers every member with its
 * calendar-data, and building and serializing xmldom's tree of ~20 nodes per member took most
 * of that request's time, mostly in garbage collection (bench/README.md, CalDAV).
 */
export function writeXml(root: XmlElement): string {
  const prefixOf = prefixesOf(namespacesOf([root]));
  return xmlDeclaration + elementXml(root, prefixOf, declarationsOf(prefixOf));
}

export const xmlDeclaration = '<?xml version="1.0" encoding="utf-8"?>\n';

/** The namespaces of these elements and their descendants, in the order they appear. */
export function namespacesOf(elements: XmlElement[], into = new Set<string>()): Set<string> {
  for (const el of elements) {
    if (el.ns) into.add(el.ns);
    if (el.children) namespacesOf(el.children, into);
  }
  return into;
}

/** A prefix for each namespace: convene's own, else `x<n>` by its place in the list. */
export const prefixesOf = (namespaces: Iterable<string>): Map<string, string> =>
  new Map([...namespaces].map((ns, i) => [ns, prefixes[ns] ?? `x${i}`]));

/** The attributes that declare these prefixes. */
export const declarationsOf = (prefixOf: Map<string, string>) =>
  [...prefixOf].map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttribute(ns)}"`).join('');

/**
 * One element as text, its namespaces' prefixes in `prefixOf` (declared on an ancestor, or by
 * `declarations` on this element). An element in no namespace (a client may ask for such a
 * property) has no prefix: none is bound to the empty namespace, and no default namespace is declared.
 */
export function elementXml(el: XmlElement, prefixOf: Map<string, string>, declarations = ''): string {
  const name = el.ns ? `${prefixOf.get(el.ns)}:${el.name}` : el.name;
  let out = `<${name}${declarations}`;
  if (el.attributes) for (const attribute in el.attributes) out += ` ${attribute}="${escapeAttribute(el.attributes[attribute]!)}"`;
  if (el.text !== undefined) out += `>${escapeText(el.text)}`;
  else if (el.children?.length) out += '>';
  else return `${out}/>`;
  for (const child of el.children ?? []) out += elementXml(child, prefixOf);
  return `${out}</${name}>`;
}

// What XML 1.0 cannot carry at all, not even as a character reference (§2.2): C0 controls
// other than tab, LF and CR, U+FFFE and U+FFFF, and a surrogate that is not half of a pair
// (JavaScript strings can hold one; UTF-8 cannot). Such a character (a control character in an
// event's SUMMARY, say) is written as U+FFFD, the replacement character: one invalid character
// must not make the whole answer unreadable to the client's parser.
const invalid = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF';
const loneSurrogate = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
/** In text: & and < (markup), and > (so that `]]>` never appears). CR is kept as it is (clients read the line ends as LF). */
const textSpecial = new RegExp(`[&<>${invalid}]|${loneSurrogate}`, 'g');
/** In an attribute value also " (the delimiter), and tab, LF and CR, which attribute-value normalization would turn into spaces. */
const attributeSpecial = new RegExp(`[&<>"\\t\\n\\r${invalid}]|${loneSurrogate}`, 'g');
const references: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const reference = (c: string) => references[c] ?? '\uFFFD';

export const escapeText = (text: string) => text.replace(textSpecial, reference);
export const escapeAttribute = (value: string) => value.replace(attributeSpecial, reference);
