// WebDAV XML, read and written with @xmldom/xmldom so namespaces are resolved by the parser and
// declared by the writer, never matched by prefix. Properties and elements are named by
// (namespace, local name); a client may bind any prefix (or none) to DAV:.
//
// Parsing never expands entities (xmldom leaves them unresolved), so a body cannot pull in
// files or blow up in size; anything the parser reports as an error is malformed XML (400).
import { DOMImplementation, DOMParser, type Element, type Node, XMLSerializer } from '@xmldom/xmldom';

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

/** An XML document (with its declaration) whose root is `root`, namespaces declared on the root. */
export function writeXml(root: XmlElement): string {
  const namespaces = new Set<string>();
  collectNamespaces(root, namespaces);
  const prefixOf = new Map([...namespaces].map((ns, i) => [ns, prefixes[ns] ?? `x${i}`]));
  // An element in no namespace (a client may ask for such a property) has no prefix: none is
  // bound to the empty namespace, and no default namespace is declared.
  const nameIn = (el: XmlElement) => (el.ns ? `${prefixOf.get(el.ns)}:${el.name}` : el.name);
  const doc = new DOMImplementation().createDocument(root.ns, nameIn(root), null);
  const rootEl = doc.documentElement!;
  for (const [ns, prefix] of prefixOf) rootEl.setAttributeNS('http://www.w3.org/2000/xmlns/', `xmlns:${prefix}`, ns);
  const build = (el: XmlElement, target: Element) => {
    for (const [name, value] of Object.entries(el.attributes ?? {})) target.setAttribute(name, value);
    if (el.text !== undefined) target.appendChild(doc.createTextNode(el.text));
    for (const child of el.children ?? []) {
      const node = doc.createElementNS(child.ns || null, nameIn(child));
      target.appendChild(node);
      build(child, node);
    }
  };
  build(root, rootEl);
  return `<?xml version="1.0" encoding="utf-8"?>\n${new XMLSerializer().serializeToString(doc)}`;
}

function collectNamespaces(el: XmlElement, into: Set<string>) {
  if (el.ns) into.add(el.ns);
  for (const child of el.children ?? []) collectNamespaces(child, into);
}
