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
  sync(token: $token, limit: $limit, kinds: $kinds) { token hasMore full tasks { ${taskFields} } deleted { kind id clientSyncId } } }`;

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
