/**
 * Relative dates in a schedule's task input: `today`, `yesterday`, `tomorrow`, optionally with a number
 * of days added or taken away (`today-7`, `yesterday-1`, `today+1`). A run resolves them to `YYYY-MM-DD`
 * as the calendar date of its scheduled time in the schedule's time zone.
 *
 * Workflow-safe: pure functions of their arguments (no clock, no Node APIs). The calendar date in a
 * zone comes from Intl, the ICU time zone data of the Node.js running the worker.
 */
const TOKEN = /^(today|yesterday|tomorrow)(?:([+-])(\d{1,4}))?$/;
const BASE_OFFSET = { today: 0, yesterday: -1, tomorrow: 1 } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** True when `value` is one of the relative-date words above. */
export function isRelativeDate(value: string): boolean {
  return TOKEN.test(value);
}

/** The days a relative date lies from the scheduled day (`today-7` → -7), or undefined for any other string. */
export function relativeDays(value: string): number | undefined {
  const match = TOKEN.exec(value);
  if (!match) return undefined;
  const base = BASE_OFFSET[match[1] as keyof typeof BASE_OFFSET];
  const days = match[3] === undefined ? 0 : Number(match[3]);
  return base + (match[2] === '-' ? -days : days);
}

/** Whether Intl knows the IANA time zone name (`Asia/Kuala_Lumpur`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Year, month (1-12), day, hour, minute and second of `instant` on the clocks of `timeZone`. */
export function zonedParts(
  instant: Date,
  timeZone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The calendar date (`YYYY-MM-DD`) of `instant` in `timeZone`, `days` days later (or earlier). */
export function zonedDate(instant: Date, timeZone: string, days = 0): string {
  const { year, month, day } = zonedParts(instant, timeZone);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A copy of `value` with every string that is a relative date replaced by its date; objects and arrays
 * are walked, anything else is kept as it is.
 */
export function resolveRelativeDates<T>(value: T, at: Date, timeZone: string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const days = relativeDays(v);
      return days === undefined ? v : zonedDate(at, timeZone, days);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, walk(inner)]));
    }
    return v;
  };
  return walk(value) as T;
}
