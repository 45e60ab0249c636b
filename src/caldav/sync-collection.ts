// REPORT sync-collection (RFC 6578) over the change feed. A sync token is a revision of the
// user's feed (docs/sync.md: revisions follow commit order), so "what changed since the token"
// is one range read of the feed's (userId, revision) index, however large the collection.
//
// - An empty token is an initial sync: every member, read from the feed in revision order (each
//   object has one row there, its latest), so it can be truncated and continued like any other.
// - Otherwise: members changed since the token with the properties asked for, and as removed
//   (a 404 response) everything of the collection's kinds that changed and is not a member now:
//   deleted, moved to another account, a meeting no longer scheduled. The feed keeps one row per
//   object and no history of where it was, so such a 404 can name an object the client never
//   had (one on another account of the user); clients drop removals of what they do not hold
//   (RFC 6578 §3.5.2 asks that removals be reported, and nothing more of them).
// - A token the server never issued, or from before the feed's floor (tombstones purged after
//   SYNC_RETENTION_DAYS: a delete could be missed), is refused: 403 DAV:valid-sync-token, and
//   the client syncs from scratch.
// - DAV:limit: at most that many results; the rest is announced by a 507 response for the
//   collection and a token that continues after the last row answered (RFC 6578 §3.6).
import type { Db } from '../db/database.ts';
import { changesSince, type FeedChange } from './collections.ts';
import { answerProps, batchesOf, type DavResponse } from './multistatus.ts';
import { memberValues } from './objects.ts';
import { type CollectionRef, defaultName, objectHref } from './paths.ts';
import { DavError } from './requests.ts';
import { DAV, type QName } from './xml.ts';

const tokenPrefix = 'http://convene.invalid/ns/sync/';

export const syncTokenOf = (revision: number) => `${tokenPrefix}${revision}`;

/** The revision a sync token names, or null for anything convene did not issue. */
export function parseSyncToken(token: string): number | null {
  if (!token.startsWith(tokenPrefix)) return null;
  const digits = token.slice(tokenPrefix.length);
  return /^(0|[1-9]\d{0,9})$/.test(digits) && Number(digits) <= 2 ** 31 - 1 ? Number(digits) : null;
}

const invalidToken = (why: string) => new DavError(403, `${why}: sync again with an empty token`, { ns: DAV, name: 'valid-sync-token' });

export interface SyncCollectionRequest {
  syncToken: string;
  limit: number | null;
  props: QName[];
}

export interface SyncCollectionResult {
  /** In batches (multistatus.ts streams them): an initial sync answers every member. */
  responses: AsyncIterable<DavResponse[]>;
  syncToken: string;
}

export async function syncCollection(
  db: Db,
  user: { id: string; username: string },
  collection: { ref: CollectionRef; href: string },
  request: SyncCollectionRequest,
): Promise<SyncCollectionResult> {
  const initial = request.syncToken === '';
  const after = initial ? 0 : parseSyncToken(request.syncToken);
  if (after === null) throw invalidToken('this sync token was not issued by convene');
  const { ref } = collection;
  // One row more than the limit says whether there is more. An initial sync without a limit
  // lists every member: reading them all is cheaper than looking each one up.
  const limit = request.limit === null ? null : request.limit + 1;
  const read = await changesSince(db, user.id, ref, after, limit, initial && request.limit === null);
  if (after > read.head) throw invalidToken('this sync token is ahead of the server (was the database restored?)');
  if (!initial && after < read.floor) throw invalidToken('this sync token has expired');
  const truncated = request.limit !== null && read.changes.length > request.limit;
  const changes = truncated ? read.changes.slice(0, request.limit!) : read.changes;
  const memberOf = new Map(read.members.map((m) => [m.id, m]));
  const latest = [...latestPerResource(changes)].map(([id, change]) => ({ id, change, member: memberOf.get(id) }));
  async function* responses() {
    for (const batch of batchesOf(latest)) {
      const found = batch.flatMap(({ member }) => (member ? [member] : []));
      const current = new Map((await memberValues(db, user.id, ref, found, request.props)).map(([m, values]) => [m.id, values]));
      yield batch.flatMap(({ id, change, member }): DavResponse[] => {
        const values = member && current.get(member.id);
        // A removed one is named as it was: by the name its feed row kept.
        const href = objectHref(user.username, ref, member?.name ?? change.davName ?? defaultName(id));
        if (values) return [answerProps(href, request.props, values)];
        return initial ? [] : [{ href, status: 404 }];
      });
    }
    if (truncated) yield [{ href: collection.href, status: 507, error: { ns: DAV, name: 'number-of-matches-within-limits' } }];
  }
  return { responses: responses(), syncToken: syncTokenOf(truncated ? changes.at(-1)!.revision : read.head) };
}

/**
 * The resources these feed rows changed, in the order of their last change, each with that
 * change. A change exception's row is a change of its series' resource.
 */
function latestPerResource(changes: FeedChange[]): Map<string, FeedChange> {
  const latest = new Map<string, FeedChange>();
  for (const change of changes) {
    const id = change.deleted ? change.objectId : (change.seriesId ?? change.objectId);
    latest.delete(id);
    latest.set(id, change);
  }
  return latest;
}
