/** The seller centre's CSV export: downloading it, reading its rows, and checking it against the list. */
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import type { Page } from 'playwright-core';
import { errorTypeOf, failure, formatIssues } from '../../contract';
import { DEFAULT_TASK_LIMITS, type TaskLimits } from '../task-definition';
import { limitExceeded, TIMEOUT_MS } from './pages';
import { orderRow, type SyncedOrder } from './schemas';

/** Downloads the CSV export and reads it as it streams in, within the task's byte and row caps. */
export async function downloadExport(page: Page, limits: TaskLimits): Promise<SyncedOrder[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: TIMEOUT_MS }),
    page.getByRole('link', { name: 'Export CSV' }).click({ timeout: TIMEOUT_MS }),
  ]);
  try {
    return exportRows(await readCsv(await download.createReadStream(), limits));
  } finally {
    // The profile's context lives on between jobs: do not leave exports lying in its download folder.
    await download.delete().catch(() => undefined);
  }
}

const EXPORT_COLUMNS = {
  id: 'Order ID',
  created_at: 'Created At',
  buyer: 'Buyer',
  status: 'Status',
  items: 'Items',
  total: 'Total',
  currency: 'Currency',
} as const;

function exportRows([header, ...records]: string[][]): SyncedOrder[] {
  if (!header) throw failure('TaskFailed', 'the order export is empty');
  const column = (name: string): number => {
    const index = header.findIndex((cell) => cell.trim().toLowerCase() === name.toLowerCase());
    if (index < 0) throw failure('TaskFailed', `the order export has no "${name}" column`);
    return index;
  };
  const at = Object.fromEntries(
    Object.entries(EXPORT_COLUMNS).map(([key, name]) => [key, column(name)]),
  ) as Record<keyof typeof EXPORT_COLUMNS, number>;
  return records.map((record, index) => {
    const cell = (key: keyof typeof EXPORT_COLUMNS): string => record[at[key]] ?? '';
    const parsed = orderRow.safeParse({
      id: cell('id'),
      created_at: cell('created_at'),
      buyer: cell('buyer'),
      status: cell('status'),
      items: Number(cell('items')),
      total_cents: decimalToCents(cell('total')),
      currency: cell('currency'),
    });
    if (!parsed.success) {
      // Line numbers count the header, as a spreadsheet would show them.
      const problems = formatIssues(parsed.error, `line ${index + 2}`);
      throw failure('TaskFailed', `the order export has a row the task cannot read: ${problems.join('; ')}`);
    }
    return parsed.data;
  });
}

/** `"123.45"` → 12345 without going through floating point; NaN when it is not a money amount. */
function decimalToCents(value: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/**
 * RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks), BOM and blank lines
 * dropped, parsed as the bytes arrive. More than `limits.exportBytes` bytes, or more records than
 * `limits.rows` and a header, stop the download with TaskLimitExceeded.
 */
export async function readCsv(
  source: Readable,
  limits: TaskLimits = DEFAULT_TASK_LIMITS,
): Promise<string[][]> {
  let bytes = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > limits.exportBytes) done(limitExceeded('export bytes', limits.exportBytes));
      else done(null, chunk);
    },
  });
  const records: string[][] = [];
  try {
    await pipeline(source, counted, parse({ bom: true, skip_empty_lines: true }), async (parsed) => {
      for await (const record of parsed as AsyncIterable<string[]>) {
        if (records.length > limits.rows) throw limitExceeded('rows', limits.rows);
        records.push(record);
      }
    });
  } catch (err) {
    if (errorTypeOf(err)) throw err; // a cap, already a typed failure
    throw failure('TaskFailed', `the order export is not valid CSV: ${(err as Error).message}`);
  }
  return records;
}

export function compareWithExport(listed: readonly SyncedOrder[], exported: readonly SyncedOrder[]): void {
  const listedIds = new Set(listed.map((row) => row.id));
  const exportedIds = new Set(exported.map((row) => row.id));
  const missing = [...listedIds].filter((id) => !exportedIds.has(id));
  const extra = [...exportedIds].filter((id) => !listedIds.has(id));
  if (missing.length === 0 && extra.length === 0 && exported.length === listed.length) return;
  throw failure(
    'TaskFailed',
    `the CSV export disagrees with the order list: ${listed.length} listed, ${exported.length} exported, ` +
      `${missing.length} missing from the export, ${extra.length} only in the export`,
    {
      details: {
        count: listed.length,
        export_count: exported.length,
        missing_from_export: missing.slice(0, 10),
        only_in_export: extra.slice(0, 10),
      },
    },
  );
}
