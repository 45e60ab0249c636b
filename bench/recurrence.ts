// Recurrence expansion throughput: src/calendar/recurrence.ts against rrule.js (with tzid) and
// rrule-temporal, on the same rules in Europe/Berlin, each expanded over ten years.
//
//   npx tsx bench/recurrence.ts           (or through bench/run.ts, which imports recurrenceBench)
//   BENCH_RECURRENCE_MS=1000 npx tsx bench/recurrence.ts     measured ms per rule and library per round (default 400)
//   BENCH_RECURRENCE_ROUNDS=3 ...                            rounds, the libraries taking turns (default 2)
//
// What is timed, per call and for every library alike: building the rule from its options and
// listing the occurrences that start in [2026-01-01, 2036-01-01). convene also computes each
// occurrence's end, position and local date; the libraries give start instants only. Every
// library keeps what caches it has between calls (convene: one UTC-offset segment per zone).
//
// Correctness first: each library's start instants are compared with convene's for every rule
// and the differences counted (a mismatch is an instant present on one side only).
//
// rrule.js and the process time zone: with `tzid`, rrule.js iterates wall times stored in a
// Date's UTC fields and then shifts them by (offset of tzid - offset of the *process* zone),
// read through Intl. Its output is therefore the true instant only when the process zone is
// UTC. This benchmark sets process.env.TZ = 'UTC' (Node re-reads it on assignment) for the
// rrule.js part, checks that Intl now reports UTC, and restores the previous value afterwards.
// DTSTART is given as rrule.js wants it: the Berlin wall time in a Date's UTC fields.
//
// A benchmark, not a test: it exits 0 whatever the figures (1 only when it could not run).
import { pathToFileURL } from 'node:url';
// rrule's "main" is a UMD bundle: Node's ESM loader sees only its default export.
import rrulejs, { type Options as RRuleJsOptions } from 'rrule';
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { expand, parseRecurrence, type Recurrence, type RecurrenceInput, type Series } from '../src/calendar/recurrence.ts';
import { integer, positive } from './lib/env.ts';
import { formatTable } from './lib/table.ts';

const { RRule, datetime } = rrulejs;
const ZONE = 'Europe/Berlin';
const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2036-01-01T00:00:00Z');

interface BenchRule {
  name: string;
  /** Local start of the first occurrence (it is an occurrence of the rule). */
  start: string;
  convene: RecurrenceInput;
  /** The same rule for rrule.js (besides dtstart and tzid). */
  rrulejs: Partial<RRuleJsOptions>;
  /** The same rule as an RRULE value for rrule-temporal. */
  rrule: string;
}

const rules: BenchRule[] = [
  { name: 'daily', start: '2026-01-05T09:00', convene: { type: 'DAILY' }, rrulejs: { freq: RRule.DAILY }, rrule: 'FREQ=DAILY' },
  {
    name: 'weekly Mon/Wed/Fri',
    start: '2026-01-05T09:00',
    convene: { type: 'WEEKLY', days: ['MONDAY', 'WEDNESDAY', 'FRIDAY'] },
    rrulejs: { freq: RRule.WEEKLY, byweekday: [RRule.MO, RRule.WE, RRule.FR], wkst: RRule.MO },
    rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR;WKST=MO',
  },
  {
    name: 'monthly 2nd Tuesday',
    start: '2026-01-13T09:00',
    convene: { type: 'MONTHLY', days: ['TUESDAY'], dayInMonth: 2 },
    rrulejs: { freq: RRule.MONTHLY, byweekday: [RRule.TU.nth(2)] },
    rrule: 'FREQ=MONTHLY;BYDAY=2TU',
  },
  {
    name: 'monthly last Friday',
    start: '2026-01-30T09:00',
    convene: { type: 'MONTHLY', days: ['FRIDAY'], dayInMonth: 5 },
    rrulejs: { freq: RRule.MONTHLY, byweekday: [RRule.FR.nth(-1)] },
    rrule: 'FREQ=MONTHLY;BYDAY=-1FR',
  },
  {
    // OX 213: the 23rd weekday, or the last; no month has more than 23, so always the last.
    name: 'monthly 23rd weekday (last)',
    start: '2026-01-30T09:00',
    convene: { type: 'MONTHLY', days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], dayInMonth: 23 },
    rrulejs: { freq: RRule.MONTHLY, byweekday: [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR], bysetpos: [-1] },
    rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
  },
  {
    name: 'yearly last Sunday of Oct',
    start: '2026-10-25T10:00',
    convene: { type: 'YEARLY', days: ['SUNDAY'], dayInMonth: 5, month: 10 },
    rrulejs: { freq: RRule.YEARLY, bymonth: [10], byweekday: [RRule.SU.nth(-1)] },
    rrule: 'FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  },
];

type Expander = (rule: BenchRule) => number[];

function conveneExpander(): Expander {
  const parsed = new Map<BenchRule, { series: Series; rule: Recurrence }>();
  for (const r of rules) {
    const rule = parseRecurrence(r.convene);
    if (!rule.ok) throw new Error(`${r.name}: ${rule.message}`);
    parsed.set(r, { series: { timezone: ZONE, fullTime: false, start: r.start, durationMs: 3_600_000 }, rule: rule.data });
  }
  return (r) => {
    const { series, rule } = parsed.get(r)!;
    // parseRecurrence is the caller's, once per rule; expand builds its plan on every call.
    return expand(series, rule, FROM, TO).map((o) => o.start.getTime());
  };
}

function rrulejsExpander(): Expander {
  return (r) => {
    const local = Temporal.PlainDateTime.from(r.start);
    const rule = new RRule({ ...r.rrulejs, dtstart: datetime(local.year, local.month, local.day, local.hour, local.minute), tzid: ZONE });
    return rule.between(FROM, TO).map((d) => d.getTime());
  };
}

function rruleTemporalExpander(): Expander {
  const starts = new Map(rules.map((r) => [r, Temporal.PlainDateTime.from(r.start).toZonedDateTime(ZONE)]));
  return (r) => {
    const rule = new RRuleTemporal({ rruleString: r.rrule, dtstart: starts.get(r)!, tzid: ZONE });
    return rule.between(FROM, TO).map((z) => z.epochMilliseconds);
  };
}

/** Runs fn with the process time zone set to UTC (see the header), restoring it afterwards. */
function inUtc<T>(fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone !== 'UTC' && zone !== 'Etc/UTC') throw new Error(`could not switch the process time zone to UTC (Intl says ${zone})`);
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

function mismatches(ours: number[], theirs: number[]): number {
  const a = new Set(ours);
  const b = new Set(theirs);
  let count = 0;
  for (const x of a) if (!b.has(x)) count++;
  for (const x of b) if (!a.has(x)) count++;
  return count;
}

/** Occurrences per second of one expander on one rule, measured for about `ms`. */
function measure(expander: Expander, rule: BenchRule, ms: number): { occurrences: number; seconds: number } {
  let occurrences = 0;
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms || calls < 3) {
    occurrences += expander(rule).length;
    calls++;
    elapsed = performance.now() - t0;
  }
  return { occurrences, seconds: elapsed / 1000 };
}

export async function recurrenceBench(log: (line: string) => void): Promise<void> {
  const ms = positive('BENCH_RECURRENCE_MS', 400);
  const rounds = integer('BENCH_RECURRENCE_ROUNDS', 2);
  const libraries = [
    { name: 'convene', expander: conveneExpander(), utc: false },
    { name: 'rrule.js', expander: rrulejsExpander(), utc: true },
    { name: 'rrule-temporal', expander: rruleTemporalExpander(), utc: false },
  ];
  const run = <T>(library: (typeof libraries)[number], fn: () => T) => (library.utc ? inUtc(fn) : fn());

  // Same occurrences?
  const reference = new Map(rules.map((r) => [r, libraries[0]!.expander(r)]));
  const wrong = new Map<string, number>();
  for (const library of libraries.slice(1)) {
    for (const r of rules) {
      const theirs = run(library, () => library.expander(r));
      wrong.set(`${library.name}/${r.name}`, mismatches(reference.get(r)!, theirs));
    }
  }

  // Throughput: rounds in which the libraries take turns on each rule (after a warm-up call).
  const totals = new Map<string, { occurrences: number; seconds: number }>();
  for (const library of libraries) for (const r of rules) run(library, () => measure(library.expander, r, Math.min(ms, 100)));
  for (let round = 0; round < rounds; round++) {
    for (const r of rules) {
      for (const library of round % 2 ? [...libraries].reverse() : libraries) {
        const m = run(library, () => measure(library.expander, r, ms / rounds));
        const key = `${library.name}/${r.name}`;
        const sum = totals.get(key) ?? { occurrences: 0, seconds: 0 };
        totals.set(key, { occurrences: sum.occurrences + m.occurrences, seconds: sum.seconds + m.seconds });
      }
    }
  }
  const rate = (library: string, rule: string) => {
    const t = totals.get(`${library}/${rule}`)!;
    return t.occurrences / t.seconds;
  };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (n: number) => `${n.toFixed(2)}x`;
  const rows: string[][] = [
    [
      'rule (Europe/Berlin, 10 years)',
      'occurrences',
      'convene occ/s',
      'rrule.js occ/s',
      'rrule-temporal occ/s',
      'convene/rrule.js',
      'convene/rrule-temporal',
      'mismatches rrule.js',
      'mismatches rrule-temporal',
    ],
  ];
  const logRatios: [number, number] = [0, 0];
  for (const r of rules) {
    const ours = rate('convene', r.name);
    const a = rate('rrule.js', r.name);
    const b = rate('rrule-temporal', r.name);
    logRatios[0] += Math.log(ours / a);
    logRatios[1] += Math.log(ours / b);
    rows.push([
      r.name,
      String(reference.get(r)!.length),
      fmt(ours),
      fmt(a),
      fmt(b),
      ratio(ours / a),
      ratio(ours / b),
      String(wrong.get(`rrule.js/${r.name}`)),
      String(wrong.get(`rrule-temporal/${r.name}`)),
    ]);
  }
  const totalWrong = (library: string) => rules.reduce((sum, r) => sum + wrong.get(`${library}/${r.name}`)!, 0);
  rows.push([
    'geometric mean',
    '',
    '',
    '',
    '',
    ratio(Math.exp(logRatios[0] / rules.length)),
    ratio(Math.exp(logRatios[1] / rules.length)),
    String(totalWrong('rrule.js')),
    String(totalWrong('rrule-temporal')),
  ]);
  log(`Recurrence expansion: occurrences per second, ${rounds} round(s) of ${ms} ms per rule and library (Node ${process.version})`);
  for (const line of formatTable(rows).split('\n')) log(line);
  const anyWrong = totalWrong('rrule.js') + totalWrong('rrule-temporal');
  log(
    anyWrong
      ? `MISMATCH: ${anyWrong} start instant(s) differ from convene's (see the table)`
      : 'All libraries produce the same start instants as convene.',
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  recurrenceBench((line) => console.log(line)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
