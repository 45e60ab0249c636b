// Pure parts of the sync engine: tokens, windows, the retention floor, commit rules, ack keys.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Known, planRef, type SyncRef } from '../../src/sync/commit.ts';
import { splitBatch } from '../../src/sync/pending.ts';
import { ackKey, parseAckKey } from '../../src/sync/queue.ts';
import { keepFullUntil } from '../../src/sync/sync.ts';
import { decodeSyncToken, encodeSyncToken, isBelowFloor, neededFrom, type SyncPosition } from '../../src/sync/tokens.ts';
import { parseTaskInput } from '../../src/tasks/tasks.ts';

const secret = 'a'.repeat(32);
const user = '11111111-1111-4111-8111-111111111111';
const position: SyncPosition = {
  userId: user,
  synchronizationId: '22222222-2222-4222-8222-222222222222',
  after: 5,
  upto: 9,
  fullUntil: 12,
  kinds: ['TASK'],
  committed: 4,
  pendingUpto: 3,
  skippedBy: null,
};

/** A token as this secret signs it, with any payload (to check what decoding accepts). */
function signed(payload: object) {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
};

describe('sync tokens', () => {
  it('round-trip the position', () => {
    expect(decodeSyncToken(secret, encodeSyncToken(secret, position), user)).toEqual(position);
    const fresh = { ...position, synchronizationId: null, after: 0, upto: 0, fullUntil: null, committed: 0, pendingUpto: 0 };
    expect(decodeSyncToken(secret, encodeSyncToken(secret, fresh), user)).toEqual(fresh);
    const commit = { ...position, after: 9, upto: 9, committed: 9, pendingUpto: 0, skippedBy: 7 };
    expect(decodeSyncToken(secret, encodeSyncToken(secret, commit), user)).toEqual(commit);
  });

  it('read tokens issued before redelivery was bounded as having redelivered nothing', () => {
    const old = { v: 1, u: user, s: position.synchronizationId, a: 5, t: 9, f: null, k: ['TASK'], n: 'x' };
    expect(decodeSyncToken(secret, signed(old), user)).toEqual({
      ...position,
      fullUntil: null,
      committed: 5,
      pendingUpto: 0,
      skippedBy: null,
    });
  });

  it('refuse a redelivery part beyond the last commit, or a commit beyond the batch', () => {
    const base = { v: 1, u: user, s: position.synchronizationId, a: 5, t: 9, f: null, k: ['TASK'], n: 'x' };
    expect(codeOf(() => decodeSyncToken(secret, signed({ ...base, c: 6 }), user))).toBe('SYNC_TOKEN_INVALID');
    expect(codeOf(() => decodeSyncToken(secret, signed({ ...base, c: 4, p: 5 }), user))).toBe('SYNC_TOKEN_INVALID');
    expect(codeOf(() => decodeSyncToken(secret, signed({ ...base, r: 0 }), user))).toBe('SYNC_TOKEN_INVALID');
    expect(codeOf(() => decodeSyncToken(secret, signed({ ...base, c: 4, p: 4, r: 2 }), user))).toBeNull();
  });

  it('are unique per issue, so two clients never share one', () => {
    expect(encodeSyncToken(secret, position)).not.toBe(encodeSyncToken(secret, position));
  });

  it('refuse tampering, other secrets, other users and junk', () => {
    const token = encodeSyncToken(secret, position);
    const [body, signature] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const reencoded = (p: object) => Buffer.from(JSON.stringify(p)).toString('base64url');
    const bad = [
      `${reencoded({ ...payload, t: 99 })}.${signature}`, // a moved window
      `${reencoded({ ...payload, u: '33333333-3333-4333-8333-333333333333' })}.${signature}`,
      `${body}.${signature.slice(0, -2)}`,
      `${body}.${Buffer.alloc(32).toString('base64url')}`,
      `${body}`,
      `${body}.${signature}.${signature}`,
      '',
      'not a token',
      '.',
    ];
    for (const token of bad) expect(codeOf(() => decodeSyncToken(secret, token, user))).toBe('SYNC_TOKEN_INVALID');
    expect(codeOf(() => decodeSyncToken('b'.repeat(32), token, user))).toBe('SYNC_TOKEN_INVALID');
    expect(codeOf(() => decodeSyncToken(secret, token, '33333333-3333-4333-8333-333333333333'))).toBe('SYNC_TOKEN_INVALID');
  });

  it('refuse a signed payload that is not a position', () => {
    // Signed with the right secret, but malformed inside: still invalid, never a crash.
    const sign = (payload: object) => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    };
    const good = { v: 1, u: user, s: null, a: 0, t: 3, f: null, k: ['TASK'], n: 'x' };
    expect(decodeSyncToken(secret, sign(good), user).upto).toBe(3);
    for (const payload of [
      { ...good, v: 2 },
      { ...good, a: 4 }, // after > upto
      { ...good, a: -1 },
      { ...good, k: [] },
      { ...good, k: ['MEETING_ROOM'] },
      { ...good, t: 1.5 },
      [],
      'string',
    ]) {
      expect(codeOf(() => decodeSyncToken(secret, sign(payload as object), user))).toBe('SYNC_TOKEN_INVALID');
    }
  });
});

describe('revision windows and the retention floor', () => {
  it.each([
    // after, fullUntil, floor, expired
    [0, null, 0, false],
    [10, null, 10, false], // tombstones up to 10 purged: the client has seen up to 10
    [9, null, 10, true], // a tombstone at 10 may be gone
    [0, 50, 40, false], // a full sync skips tombstones up to 50 anyway
    [0, 50, 51, true],
    [60, 50, 55, false],
  ])('after %i, full until %s, floor %i: expired %s', (after, fullUntil, floor, expired) => {
    expect(isBelowFloor({ after, fullUntil }, floor)).toBe(expired);
  });

  it('needs tombstones from the later of the position and the full-sync head', () => {
    expect(neededFrom({ after: 3, fullUntil: null })).toBe(3);
    expect(neededFrom({ after: 3, fullUntil: 8 })).toBe(8);
    expect(neededFrom({ after: 9, fullUntil: 8 })).toBe(9);
  });

  it('keeps the full-sync head only while a batch starts below it', () => {
    expect(keepFullUntil(0, 10)).toBe(10);
    expect(keepFullUntil(9, 10)).toBe(10);
    expect(keepFullUntil(10, 10)).toBeNull();
    expect(keepFullUntil(0, null)).toBeNull();
  });
});

describe('commit rules', () => {
  const id = '44444444-4444-4444-8444-444444444444';
  const live = (changedSince: boolean): Known => ({ state: 'live', changedSince });
  const cases: Array<[string, SyncRef, Known, string]> = [
    ['reference only', { id }, live(false), 'UNCHANGED'],
    ['reference to a changed object', { id }, live(true), 'UNCHANGED'],
    ['change', { id, changes: { title: 'x' } }, live(false), 'update'],
    ['change after a server change', { id, changes: { title: 'x' } }, live(true), 'CONFLICT'],
    ['delete', { id, delete: true }, live(false), 'delete'],
    ['delete after a server change', { id, delete: true }, live(true), 'CONFLICT'],
    ['new clientSyncId', { clientSyncId: 'c', changes: { title: 'x' } }, { state: 'unknown' }, 'create'],
    ['unknown id with changes', { id, changes: { title: 'x' } }, { state: 'unknown' }, 'NOT_FOUND'],
    ['unknown clientSyncId, reference only', { clientSyncId: 'c' }, { state: 'unknown' }, 'NOT_FOUND'],
    ['unknown clientSyncId, delete', { clientSyncId: 'c', delete: true }, { state: 'unknown' }, 'NOT_FOUND'],
    ['change to a deleted object', { id, changes: { title: 'x' } }, { state: 'deleted' }, 'NOT_FOUND'],
    ['delete of a deleted object', { id, delete: true }, { state: 'deleted' }, 'DELETED'],
    ['reference to a deleted object', { id }, { state: 'deleted' }, 'DELETED'],
    ['neither id nor clientSyncId', { changes: { title: 'x' } }, { state: 'unknown' }, 'INVALID'],
    ['delete and changes', { id, delete: true, changes: { title: 'x' } }, live(false), 'INVALID'],
    ['malformed id', { id: 'abc', changes: {} }, { state: 'unknown' }, 'INVALID'],
    ['clientSyncId too long', { clientSyncId: 'x'.repeat(201), changes: {} }, { state: 'unknown' }, 'INVALID'],
  ];
  it.each(cases)('%s', (_name, ref, known, expected) => {
    const plan = planRef(ref, known);
    expect(plan.action === 'report' ? plan.status : plan.action).toBe(expected);
  });
});

describe('task input', () => {
  const existing = parseTaskInput({ title: 'base' }, null);
  const base = existing.ok ? existing.data : null;
  it('creates with defaults and needs a title', () => {
    expect(existing).toEqual({
      ok: true,
      data: { title: 'base', notes: null, start: null, due: null, status: 'NOT_STARTED', priority: 'NORMAL', percentComplete: 0 },
    });
    expect(parseTaskInput({ notes: 'x' }, null).ok).toBe(false);
    expect(parseTaskInput({ title: '   ' }, null).ok).toBe(false);
  });

  it('keeps absent fields, clears nullable ones, refuses null for the others', () => {
    const withNotes = parseTaskInput({ notes: 'n' }, base);
    expect(withNotes).toMatchObject({ ok: true, data: { title: 'base', notes: 'n' } });
    expect(parseTaskInput({ notes: null }, { ...base!, notes: 'n' })).toMatchObject({ ok: true, data: { notes: null } });
    for (const input of [{ title: null }, { status: null }, { priority: null }, { percentComplete: null }]) {
      expect(parseTaskInput(input, base).ok).toBe(false);
    }
  });

  it('checks the task as a whole', () => {
    const start = new Date('2026-03-01T00:00:00Z');
    expect(parseTaskInput({ due: new Date('2026-02-28T00:00:00Z') }, { ...base!, start }).ok).toBe(false);
    expect(parseTaskInput({ due: start }, { ...base!, start }).ok).toBe(true);
    expect(parseTaskInput({ percentComplete: 101 }, base).ok).toBe(false);
    expect(parseTaskInput({ percentComplete: 5.5 }, base).ok).toBe(false);
    expect(parseTaskInput({ status: 'COMPLETED' }, base)).toMatchObject({ data: { percentComplete: 100 } });
    expect(parseTaskInput({ status: 'COMPLETED', percentComplete: 90 }, base)).toMatchObject({ data: { percentComplete: 90 } });
  });
});

describe('ack keys', () => {
  it('round-trip and refuse junk', () => {
    const id = '55555555-5555-4555-8555-555555555555';
    expect(parseAckKey(ackKey('TASK', id, 42))).toEqual({ kind: 'TASK', objectId: id, revision: 42 });
    for (const key of ['', 'TASK', `TASK-${id}`, `TASK-${id}-x`, `NOTE-${id}-1`, `TASK-${id}-99999999999`, `TASK-abc-1`]) {
      expect(parseAckKey(key)).toBeNull();
    }
  });
});

describe('splitBatch: redelivery never starves the feed', () => {
  it('gives redelivery at most half while the feed has more, the rest of the batch otherwise', () => {
    // [limit, pending waiting, feed waiting] -> [pending taken, feed taken]
    const cases: Array<[number, number, number, number, number]> = [
      [100, 0, 0, 0, 0],
      [100, 0, 101, 0, 100],
      [100, 101, 0, 100, 0],
      [100, 101, 101, 50, 50],
      [100, 10, 101, 10, 90],
      [100, 101, 3, 97, 3],
      [100, 30, 30, 30, 30],
      [3, 4, 4, 1, 2], // the reproduction: 3 tombstones pending, the feed still advances
      [3, 3, 1, 2, 1],
      [1, 2, 2, 0, 1], // a batch of one: the feed first, redelivery once the feed is drained
      [1, 2, 0, 1, 0],
      [2, 3, 3, 1, 1],
      [500, 501, 501, 250, 250],
      [7, 8, 8, 3, 4],
    ];
    for (const [limit, pending, feed, takePending, takeFeed] of cases) {
      expect(splitBatch(limit, pending, feed), `limit ${limit}, ${pending} pending, ${feed} in the feed`).toEqual({
        pending: takePending,
        feed: takeFeed,
      });
    }
  });

  it('always takes something when anything waits, never more than the limit, and the feed whenever it has rows', () => {
    for (let limit = 1; limit <= 12; limit++) {
      for (let pending = 0; pending <= limit + 1; pending++) {
        for (let feed = 0; feed <= limit + 1; feed++) {
          const take = splitBatch(limit, pending, feed);
          expect(take.pending + take.feed).toBeLessThanOrEqual(limit);
          expect(take.pending).toBeLessThanOrEqual(pending);
          expect(take.feed).toBeLessThanOrEqual(feed);
          if (feed > 0) expect(take.feed).toBeGreaterThan(0);
          if (pending + feed > 0) expect(take.pending + take.feed).toBe(Math.min(limit, pending + feed));
          if (feed > limit - Math.floor(limit / 2)) expect(take.pending).toBeLessThanOrEqual(Math.floor(limit / 2));
        }
      }
    }
  });
});
