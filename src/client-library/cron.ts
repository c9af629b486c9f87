/**
 * Checks a cron expression before a schedule is created, so a typo is refused with the field named
 * instead of by the server after other schedules of the same file were created. Accepts what Temporal
 * accepts in the common five-field form (minute hour day-of-month month day-of-week, with `*`, lists,
 * ranges, steps and month/day names) and the `@daily`-style shorthands. The time zone belongs in
 * `spec.time_zone`, not in the expression.
 */
const SHORTHANDS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` on (JAN = 1, SUN = 0). */
  names?: string[];
}

const FIELDS: CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day of week', min: 0, max: 7, names: DAY_NAMES },
];

function value(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : field.min + index;
}

function itemProblem(item: string, field: CronField): string | undefined {
  const [span = '', step, ...extra] = item.split('/');
  if (extra.length || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `bad step in "${item}"`;
  if (span === '*' || span === '?') return undefined;
  const [from = '', to, ...more] = span.split('-');
  const bounds = [from, ...(to === undefined ? [] : [to])].map((text) => value(text, field));
  if (more.length || bounds.some((v) => v === undefined)) return `"${item}" is not a value, range or step`;
  const outside = bounds.find((v) => v! < field.min || v! > field.max);
  if (outside !== undefined) return `${outside} is outside ${field.min}-${field.max}`;
  return undefined;
}

/** Why `expression` is not a cron expression we accept, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.replace(/#.*$/, '').trim();
  if (/^(CRON_)?TZ=/.test(text)) return 'put the time zone in spec.time_zone, not in the expression';
  if (SHORTHANDS.has(text.toLowerCase())) return undefined;
  const parts = text.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `"${expression}" has ${parts.length} fields; a cron expression has 5 (minute hour day-of-month month day-of-week) or is @daily, @hourly, …`;
  }
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    for (const item of part.split(',')) {
      const problem = itemProblem(item, field);
      if (problem) return `${field.name}: ${problem}`;
    }
  }
  return undefined;
}
