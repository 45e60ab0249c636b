// GraphiQL, served by yoga at the GraphQL path to browsers. The page comes whole from the
// installed @graphql-yoga/render-graphiql (scripts, styles and editor workers inline), so it
// works without a network; yoga's default page loads them from a CDN.
import type { GraphiQLOptions } from 'graphql-yoga';

const exampleQuery = `# Welcome to convene's GraphiQL.
#
# Put an access token in the Headers tab below (the first \`npm start\` printed one for the
# user admin; \`npx convene token create\` makes more):
#
#   { "Authorization": "Bearer cvn_..." }
#
# then run this query with the Run button or Ctrl-Enter. New tabs (+) take this tab's headers.
query Me {
  me { id username accounts { id provider identifier isMain shared } }
}

# Live updates over the WebSocket: run this in a tab instead, then change an account from
# another browser tab (GraphiQL runs one operation at a time per page):
#
# subscription { accountsChanged { identifier provider } }
# mutation { connectAccount(input: { provider: EXCHANGE, identifier: "room-1@example.com", name: "Room 1" }) { id shared } }
`;

export const graphiql: GraphiQLOptions = {
  title: 'convene',
  subscriptionsProtocol: 'WS',
  defaultQuery: exampleQuery,
  defaultEditorToolsVisibility: 'headers',
};

const pages = new Map<string, string>();

/**
 * The GraphiQL page for `options`, rendered once: it is about 9 MB, so the bundle is loaded
 * only when a browser first asks for it (not by every server and CLI command).
 */
export async function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  let page = pages.get(key);
  if (!page) {
    const { renderGraphiQL: renderBundledGraphiQL } = await import('@graphql-yoga/render-graphiql');
    page = newTabsTakeHeaders(renderBundledGraphiQL(options));
    pages.set(key, page);
  }
  return page;
}

// GraphiQL 5 opens a new tab with its `defaultHeaders`, so the token typed into one tab is
// missing from the next, and GraphiQL has no option to carry it over (graphql/graphiql#4096
// proposes one). This changes addTab in the bundle so the new tab takes the headers of the
// tab it was opened from. The package is pinned to an exact version; the pattern matches its
// minified code whatever the local names, and a version without it fails loudly here (and in
// test/graphiql.test.ts) rather than quietly losing headers.
const addTab =
  /(addTab\(\)\{\w+\(\(\{defaultHeaders:(\w+),[^}]*\}\)=>\{const (\w+)=\w+\(\{tabs:\w+,activeTabIndex:\w+\}\),\w+=\{tabs:\[\.\.\.\3\.tabs,\w+\(\{headers:)\2\}/;

function newTabsTakeHeaders(page: string): string {
  if (!addTab.test(page)) throw new Error('GraphiQL: addTab not found in @graphql-yoga/render-graphiql; see src/http/graphiql.ts');
  return page.replace(addTab, (_match, head: string, defaultHeaders: string, tabState: string) => {
    return `${head}${tabState}.tabs[${tabState}.activeTabIndex].headers??${defaultHeaders}}`;
  });
}
