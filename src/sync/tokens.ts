// Sync tokens: opaque to clients, HMAC-signed by the server. A token names the position of one
// client in its user's change feed; nothing in it is trusted unless the signature matches.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { appError, ErrorCode } from '../errors.ts';
import { SyncKind } from '../generated/prisma/client.ts';

export interface SyncPosition {
  userId: string;
  /** The synchronization the token belongs to; null before its first commit. */
  synchronizationId: string | null;
  /** The batch covers feed revisions in (after, upto]. */
  after: number;
  upto: number;
  /**
   * Set during a full sync: the head revision when it began. Tombstones at or below it are
   * not sent (the client has none of those objects).
   */
  fullUntil: number | null;
  kinds: SyncKind[];
  /**
   * Where the synchronization's last commit left it (the `upto` of the batch it committed):
   * objects it has pending at or below this are redelivered (src/sync/pending.ts).
   */
  committed: number;
  /** Redelivered objects sent since that commit: those pending at revisions up to this (0: none yet). */
  pendingUpto: number;
  /** Set on a commit's token: the number of that commit, whose skipped objects the next batch reports. */
  skippedBy: number | null;
}

const payloadSchema = z.object({
  v: z.literal(1),
  u: z.uuid(),
  s: z.uuid().nullable(),
  a: z.number().int().min(0),
  t: z.number().int().min(0),
  f: z.number().int().min(0).nullable(),
  k: z.array(z.enum(SyncKind)).min(1),
  // Absent from tokens issued before redelivery was bounded: read as "nothing redelivered yet".
  c: z.number().int().min(0).optional(),
  p: z.number().int().min(0).default(0),
  r: z.number().int().min(1).nullable().default(null),
  n: z.string(),
});

const invalid = () => appError(ErrorCode.SYNC_TOKEN_INVALID, 'the sync token is not valid: sync again without a token');

function sign(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** A random nonce makes every token unique, so two clients never share one. */
export function encodeSyncToken(secret: string, position: SyncPosition): string {
  const payload: z.infer<typeof payloadSchema> = {
    v: 1,
    u: position.userId,
    s: position.synchronizationId,
    a: position.after,
    t: position.upto,
    f: position.fullUntil,
    k: position.kinds,
    c: position.committed,
    p: position.pendingUpto,
    r: position.skippedBy,
    n: randomBytes(6).toString('base64url'),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** The position in a token issued to this user; SYNC_TOKEN_INVALID for anything else. */
export function decodeSyncToken(secret: string, token: string, userId: string): SyncPosition {
  const [body, signature, ...rest] = token.split('.');
  if (!body || !signature || rest.length) throw invalid();
  const expected = sign(secret, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success || parsed.data.u !== userId || parsed.data.t < parsed.data.a) throw invalid();
  const p = parsed.data;
  const committed = p.c ?? p.a;
  if (committed > p.a || p.p > committed) throw invalid();
  return {
    userId: p.u,
    synchronizationId: p.s,
    after: p.a,
    upto: p.t,
    fullUntil: p.f,
    kinds: p.k,
    committed,
    pendingUpto: p.p,
    skippedBy: p.r,
  };
}

/** The lowest revision the client still needs tombstones from. */
export function neededFrom(position: Pick<SyncPosition, 'after' | 'fullUntil'>): number {
  return Math.max(position.after, position.fullUntil ?? 0);
}

/** Whether tombstones the client needs may have been purged (the feed's floor is above them). */
export function isBelowFloor(position: Pick<SyncPosition, 'after' | 'fullUntil'>, floor: number): boolean {
  return neededFrom(position) < floor;
}

/** Commits are deduplicated by this, so the stored key is not itself a usable token. */
export function syncTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
