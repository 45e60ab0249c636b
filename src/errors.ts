// Every GraphQL error convene returns carries `extensions.code`. Domain code throws these;
// useErrorCodes (below) classifies the errors that come from GraphQL itself.
import { PothosValidationError } from '@pothos/core';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin as YogaPlugin } from 'graphql-yoga';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  SYNC_TOKEN_INVALID: 'SYNC_TOKEN_INVALID',
  SYNC_TOKEN_EXPIRED: 'SYNC_TOKEN_EXPIRED',
  TOO_MANY_SESSIONS: 'TOO_MANY_SESSIONS',
  RATE_LIMITED: 'RATE_LIMITED',
  /** A vote after the meeting's poll deadline. */
  POLL_CLOSED: 'POLL_CLOSED',
  /** The request is not a GraphQL request at all (bad JSON, wrong method, ...). */
  BAD_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** Depth, alias, token or cost limits. */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** A validated value, or why it is not valid (for per-item answers that must not throw). */
export type Parsed<T> = { ok: true; data: T } | { ok: false; message: string };

/** The parsed value, or the parser's message as BAD_USER_INPUT. */
export function orThrow<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw badInput(parsed.message);
  return parsed.data;
}

/** Validation issues (zod, standard schema) as one message. */
export const issuesMessage = (issues: ReadonlyArray<{ message: string }>) => issues.map((i) => i.message).join('; ');

export const notFound = (what: string) => appError(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, extensions?: Record<string, unknown>) => appError(ErrorCode.BAD_USER_INPUT, message, extensions);
export const forbidden = (message = 'not allowed') => appError(ErrorCode.FORBIDDEN, message);
export const conflict = (message: string) => appError(ErrorCode.CONFLICT, message);

// GraphQL's own errors (syntax, validation, variable coercion, request limits, bad HTTP
// requests) get a code here, at the phase that raised them, for HTTP and WebSocket alike.

function withCode<E extends GraphQLError>(error: E, code: ErrorCode): E {
  const extensions = error.extensions as Record<string, unknown>;
  if (!extensions.code) extensions.code = code;
  return error;
}

export const markQueryTooComplex = (_context: unknown, error: GraphQLError) => {
  withCode(error, ErrorCode.QUERY_TOO_COMPLEX);
};

function tagExecutionErrors(result: ExecutionResult) {
  for (const error of result.errors ?? []) {
    // Errors outside any field are variable-coercion failures, and Pothos's validation errors
    // are arguments it could not read (a malformed global id, one of another type): the
    // caller's input either way.
    const input = !error.path || error.originalError instanceof PothosValidationError;
    withCode(error, input ? ErrorCode.BAD_USER_INPUT : ErrorCode.INTERNAL_SERVER_ERROR);
  }
}

export function useErrorCodes(): YogaPlugin {
  return {
    onParse:
      () =>
      ({ result }) => {
        if (result instanceof GraphQLError) withCode(result, ErrorCode.GRAPHQL_PARSE_FAILED);
      },
    onValidate:
      () =>
      ({ result }) => {
        for (const error of result) withCode(error, ErrorCode.GRAPHQL_VALIDATION_FAILED);
      },
    onExecute: () => ({
      onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => tagExecutionErrors(result)),
    }),
    onSubscribe: () => ({
      onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, ({ result }) => tagExecutionErrors(result)),
    }),
    onResultProcess: ({ result }) => {
      for (const single of Array.isArray(result) ? result : [result]) {
        if (!single || Symbol.asyncIterator in single) continue;
        for (const error of single.errors ?? []) {
          const status = (error.extensions as { http?: { status?: number } }).http?.status;
          withCode(error, status === 413 ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.BAD_REQUEST);
        }
      }
    },
  };
}
