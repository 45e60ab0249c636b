// A small sync client over the GraphQL API, for the sync tests.
import type { GraphQLResponse, TestServer } from './server.ts';

export const taskFields = 'id clientSyncId title notes status priority percentComplete';

export interface Task {
  id: string;
  clientSyncId: string | null;
  title: string;
  notes: string | null;
  status: string;
  priority: string;
  percentComplete: number;
}

export interface Batch {
  token: string;
  hasMore: boolean;
  full: boolean;
  tasks: Task[];
  deleted: Array<{ kind: string; id: string; clientSyncId: string | null }>;
  skipped: Array<{ kind: string; id: string; clientSyncId: string | null; deliveries: number }>;
}

export interface CommitResult {
  token: string;
  synchronization: { id: string; type: string };
  results: Array<{
    kind: string;
    id: string | null;
    clientSyncId: string | null;
    status: string;
    message: string | null;
    task: Task | null;
  }>;
}

export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data!;
}

export const SYNC = `query ($token: String, $limit: Int, $kinds: [SyncKind!]) {
  sync(token: $token, limit: $limit, kinds: $kinds) { token hasMore full tasks { ${taskFields} } deleted { kind id clientSyncId }
    skipped { kind id clientSyncId deliveries } } }`;

export const COMMIT = `mutation ($input: SyncCommitInput!) {
  syncCommit(input: $input) { token synchronization { id type }
    results { kind id clientSyncId status message task { ${taskFields} } } } }`;

export function syncClient(server: TestServer, token: string) {
  const gql = <T>(query: string, variables: Record<string, unknown> = {}) => server.gql<T>(query, variables, token);
  return {
    gql,
    async sync(syncToken: string | null = null, limit?: number): Promise<Batch> {
      return dataOf(await gql<{ sync: Batch }>(SYNC, { token: syncToken, limit })).sync;
    },
    async commit(input: Record<string, unknown>): Promise<CommitResult> {
      return dataOf(await gql<{ syncCommit: CommitResult }>(COMMIT, { input })).syncCommit;
    },
    async createTask(input: Record<string, unknown>, clientSyncId?: string): Promise<Task> {
      const query = `mutation ($input: TaskInput!, $csid: String) { createTask(input: $input, clientSyncId: $csid) { ${taskFields} } }`;
      return dataOf(await gql<{ createTask: Task }>(query, { input, csid: clientSyncId })).createTask;
    },
    async updateTask(id: string, input: Record<string, unknown>): Promise<Task> {
      const query = `mutation ($id: ID!, $input: TaskInput!) { updateTask(id: $id, input: $input) { ${taskFields} } }`;
      return dataOf(await gql<{ updateTask: Task }>(query, { id, input })).updateTask;
    },
    async deleteTask(id: string): Promise<void> {
      dataOf(await gql('mutation ($id: ID!) { deleteTask(id: $id) { id } }', { id }));
    },
    /** Every task of the user, through the tasks connection. */
    async allTasks(): Promise<Task[]> {
      const tasks: Task[] = [];
      let after: string | null = null;
      for (;;) {
        const query = `query ($after: String) { tasks(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ${taskFields} } } } }`;
        const page: any = dataOf(await gql<any>(query, { after })).tasks;
        tasks.push(...page.edges.map((edge: { node: Task }) => edge.node));
        if (!page.pageInfo.hasNextPage) return tasks;
        after = page.pageInfo.endCursor;
      }
    },
  };
}

export type SyncClient = ReturnType<typeof syncClient>;

/** A user of the test server with a token and their main account: what calendar and sync tests start from. */
export async function userWithAccount(server: TestServer, username: string) {
  const user = await server.newUser(username);
  const gql = <T = any>(query: string, variables: Record<string, unknown> = {}) => server.gql<T>(query, variables, user.token);
  const account: string = dataOf(await gql<any>('{ me { mainAccount { id } } }')).me.mainAccount.id;
  return { ...user, gql, account };
}

/** What the generic client knows of each feed kind: its fields in a batch and a commit, and the fields it keeps. */
export const feedKinds = {
  TASK: { many: 'tasks', one: 'task', fields: taskFields },
  APPOINTMENT: { many: 'appointments', one: 'appointment', fields: 'id clientSyncId title start end shownAs' },
  MEETING: { many: 'meetings', one: 'meeting', fields: 'id clientSyncId name status start options isOrganizer invitees { email }' },
} as const;
export type FeedKind = keyof typeof feedKinds;

export interface KindObject {
  id: string;
  clientSyncId: string | null;
  [field: string]: unknown;
}

export interface KindBatch {
  token: string;
  hasMore: boolean;
  full: boolean;
  objects: Array<{ kind: FeedKind; object: KindObject }>;
  deleted: Array<{ kind: FeedKind; id: string; clientSyncId: string | null }>;
  skipped: Array<{ kind: FeedKind; id: string; clientSyncId: string | null; deliveries: number }>;
}

export interface KindRef {
  kind: FeedKind;
  id?: string;
  clientSyncId?: string;
  delete?: boolean;
  changes?: Record<string, unknown>;
}

export interface KindResult {
  kind: FeedKind;
  id: string | null;
  clientSyncId: string | null;
  status: string;
  message: string | null;
  /** The server's version (after the change, or the current one on CONFLICT). */
  object: KindObject | null;
}

/** A token-sync client generic over the feed kinds: one batch or commit shape whatever kinds it syncs. */
export function kindSyncClient(gql: (query: string, variables?: Record<string, unknown>) => Promise<GraphQLResponse>, kinds: FeedKind[]) {
  const batchFields = kinds.map((kind) => `${feedKinds[kind].many} { ${feedKinds[kind].fields} }`).join(' ');
  const resultFields = kinds.map((kind) => `${feedKinds[kind].one} { ${feedKinds[kind].fields} }`).join(' ');
  const SYNC_KINDS = `query ($token: String, $limit: Int, $kinds: [SyncKind!]) {
    sync(token: $token, limit: $limit, kinds: $kinds) { token hasMore full ${batchFields}
      deleted { kind id clientSyncId } skipped { kind id clientSyncId deliveries } } }`;
  const COMMIT_KINDS = `mutation ($input: SyncCommitInput!) {
    syncCommit(input: $input) { token results { kind id clientSyncId status message ${resultFields} } } }`;
  return {
    async sync(token: string | null, limit?: number): Promise<KindBatch> {
      const batch = dataOf(await gql(SYNC_KINDS, { token, limit, kinds: token ? null : kinds })).sync;
      return {
        ...batch,
        objects: kinds.flatMap((kind) => batch[feedKinds[kind].many].map((object: KindObject) => ({ kind, object }))),
      };
    },
    async commit(token: string, refs: KindRef[]): Promise<{ token: string; results: KindResult[] }> {
      const input: Record<string, unknown> = { token };
      for (const kind of kinds) {
        input[feedKinds[kind].many] = refs.filter((ref) => ref.kind === kind).map(({ kind: _, ...ref }) => ref);
      }
      const { syncCommit } = dataOf(await gql(COMMIT_KINDS, { input }));
      return {
        token: syncCommit.token,
        results: syncCommit.results.map((r: any) => ({
          kind: r.kind,
          id: r.id,
          clientSyncId: r.clientSyncId,
          status: r.status,
          message: r.message,
          object: r[feedKinds[r.kind as FeedKind].one] ?? null,
        })),
      };
    },
  };
}
