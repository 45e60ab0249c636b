// The Pothos builder: plugins, context, scalars and auth scopes. Types live in the area files.
import SchemaBuilder, { PothosValidationError } from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import ValidationPlugin from '@pothos/plugin-validation';
import { type GraphQLResolveInfo, isObjectType, Kind, valueFromASTUntyped } from 'graphql';
import { type Authenticator, type AuthResult, hasScope } from '../auth/authenticate.ts';
import type { Config } from '../config.ts';
import type { PrismaClient } from '../db/database.ts';
import { appError, badInput, ErrorCode, issuesMessage } from '../errors.ts';
import type PrismaTypes from '../generated/pothos-prisma-types.ts';
import { getDatamodel } from '../generated/pothos-prisma-types.ts';
import type { Scope } from '../generated/prisma/client.ts';
import { parseGlobalId } from '../ids.ts';
import type { PubSub } from '../pubsub.ts';
import type { SecretBox } from '../secrets.ts';
import { maxYear, minYear } from '../validation.ts';
import { Loaders } from './loaders.ts';

export interface Context {
  prisma: PrismaClient;
  auth: AuthResult;
  pubsub: PubSub;
  authenticator: Authenticator;
  config: Config;
  /** Signs sync tokens (src/sync/tokens.ts). */
  syncSecret: string;
  /** The time polls are judged by (deadlines, reminders): the system's; tests set their own (createServer's options). */
  clock: () => Date;
  /** Encrypts connector provisioning (src/secrets.ts). */
  secretBox: SecretBox;
  /** This request's loaders of related rows (./loaders.ts). */
  loaders: Loaders;
}

export const systemClock = () => new Date();

/** What every operation's context shares: the services of the server (or of the CLI's own database). */
export type Services = Omit<Context, 'auth' | 'loaders'>;

/** The context of one operation (a request, a WebSocket operation, a CLI command): who asks, with fresh loaders. */
export const operationContext = (services: Services, auth: AuthResult): Context => ({
  ...services,
  auth,
  loaders: new Loaders(services.prisma),
});

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: true;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    Date: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: {
    authenticated: boolean;
    scope: Scope;
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  defaultInputFieldRequiredness: true,
  scopeAuth: {
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      authenticated: !!ctx.auth.principal,
      scope: (scope) => hasScope(ctx.auth, scope),
    }),
    unauthorizedError: (_parent, ctx, _info, { failure }) => {
      if (ctx.auth.operator) {
        return appError(ErrorCode.FORBIDDEN, "the local operator has admin rights only: send a user's token to act as that user");
      }
      if (!ctx.auth.principal) return appError(ErrorCode.UNAUTHENTICATED, unauthenticatedMessage(ctx.auth.failure));
      const scopes = missingScopes(failure);
      return appError(
        ErrorCode.FORBIDDEN,
        scopes.length ? `this token lacks the ${scopes.join(' or ')} scope` : 'this token does not grant access to this field',
      );
    },
  },
  validation: {
    validationError: (result) =>
      appError(ErrorCode.BAD_USER_INPUT, issuesMessage(result.issues), {
        issues: result.issues.map((i) => ({
          path: i.path?.map((p) => (typeof p === 'object' ? p.key : p)),
          message: i.message,
        })),
      }),
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Every node id is a UUID: a global id holding anything else is refused as input
    // (BAD_USER_INPUT) before it reaches a uuid column.
    decodeGlobalID: (globalID) => {
      const decoded = parseGlobalId(globalID);
      if (!decoded) throw new PothosValidationError(`Invalid global ID: ${globalID}`);
      return decoded;
    },
    // node(id) answers null for an id that names nothing: a missing object, another user's
    // (the node types are nullable) or a type that does not exist (Pothos would throw).
    nodeQueryOptions: { resolve: (_root, { id }, _ctx, info, resolveNode) => (isNodeType(info, id.typename) ? resolveNode(id) : null) },
    nodesQueryOptions: false, // common.ts: the same rule for each id
  },
});

/** Whether a global id's typename is one of this schema's node types. */
export function isNodeType(info: GraphQLResolveInfo, typename: string): boolean {
  const type = info.schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node');
}

/** The scopes that would have passed a failed check (any one of them). */
function missingScopes(failure: AuthFailure): string[] {
  switch (failure.kind) {
    case AuthScopeFailureType.AuthScope:
      return failure.scope === 'scope' ? [String(failure.parameter)] : [];
    case AuthScopeFailureType.AnyAuthScopes:
      return failure.failures.flatMap(missingScopes);
    default:
      return [];
  }
}

function unauthenticatedMessage(failure: AuthResult['failure']) {
  switch (failure) {
    case 'expired':
      return 'the access token has expired';
    case 'revoked':
      return 'the access token has been revoked';
    case 'invalid':
      return 'the access token is not valid';
    default:
      return 'authentication required: send Authorization: Bearer <token>';
  }
}

builder.queryType();
builder.mutationType();
builder.subscriptionType();

const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const inStoredYears = (year: number) => year >= minYear && year <= maxYear;

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' && isoDateTime.test(value) ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) {
    throw badInput('DateTime must be an ISO 8601 date-time with an offset, e.g. 2026-03-29T09:00:00+02:00');
  }
  if (!inStoredYears(date.getUTCFullYear())) throw badInput(`DateTime must fall in the years ${minYear} to ${maxYear} (UTC)`);
  return date;
}

/**
 * ISO strings of recent instants (at most 1,024, then forgotten): an answer repeats the same few
 * instants many times (a 500-invitee Meeting.poll writes its 3 options' starts 1,500 times), and
 * toISOString was ~4% of that poll's server CPU (bench/README.md, "Meetings").
 */
const isoByTime = new Map<number, string>();

function serializeDateTime(value: Date): string {
  const time = value.getTime();
  let iso = isoByTime.get(time);
  if (iso === undefined) {
    iso = value.toISOString(); // an invalid Date throws here, as before, and is not kept
    if (isoByTime.size >= 1024) isoByTime.clear();
    isoByTime.set(time, iso);
  }
  return iso;
}

builder.scalarType('DateTime', {
  description: `An instant, as an ISO 8601 date-time with an offset, in the years ${minYear} to ${maxYear}. Output is always UTC (Z).`,
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseDate(value: unknown): string {
  const match = typeof value === 'string' ? isoDate.exec(value) : null;
  if (match) {
    const [y, m, d] = match.slice(1).map(Number) as [number, number, number];
    const check = new Date(0);
    check.setUTCFullYear(y, m - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
    if (inStoredYears(y) && check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d)
      return value as string;
  }
  throw badInput(`Date must be a calendar date, YYYY-MM-DD, in the years ${minYear} to ${maxYear}`);
}

builder.scalarType('Date', {
  description: `A calendar date without a time or zone, YYYY-MM-DD, in the years ${minYear} to ${maxYear}.`,
  serialize: (value) => value,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});

// Connector provisioning and settings differ by connector type (src/synchronizations/connectors.ts
// validates them); one JSON scalar keeps that declaration the one place to add a connector.
builder.scalarType('JSON', {
  description: 'A JSON value, checked where it is read (e.g. a connector validates its provisioning).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
