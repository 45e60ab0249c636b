// Numeric settings from the environment, for the benchmarks.

/** A positive number from the environment variable `name`; `fallback` when it is unset or empty. */
export function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/** `positive`, rounded to an integer. */
export const integer = (name: string, fallback: number) => Math.round(positive(name, fallback));
