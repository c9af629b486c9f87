/**
 * Reading many records (job specs, schedule definitions) from one file: JSON Lines, one record a line;
 * CSV, one record a row, each column setting one field of a template; or a single JSON document. Every
 * record keeps its line number, so a problem names the line and the field.
 */
import { parse } from 'csv-parse/sync';

export type RecordFormat = 'json' | 'jsonl' | 'csv';

export interface FileRecord {
  /** Where the record starts in the file (1-based); absent for a single JSON document. */
  line?: number;
  value: unknown;
}

export interface RecordProblem {
  line?: number;
  message: string;
}

export interface ReadRecords {
  records: FileRecord[];
  problems: RecordProblem[];
}

/** The format a file name implies: `.csv`, `.jsonl`/`.ndjson`, anything else `fallback`. */
export function formatOfFile(file: string, fallback: RecordFormat): RecordFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  return fallback;
}

/** The records in `text`; `template` is the object each CSV row's columns are set on. */
export function readRecords(text: string, format: RecordFormat, template: unknown = {}): ReadRecords {
  if (format === 'csv') return readCsv(text, template);
  if (format === 'jsonl') return readJsonLines(text);
  try {
    return { records: [{ value: JSON.parse(text) as unknown }], problems: [] };
  } catch (err) {
    return { records: [], problems: [{ message: `not valid JSON: ${(err as Error).message}` }] };
  }
}

function readJsonLines(text: string): ReadRecords {
  const result: ReadRecords = { records: [], problems: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    try {
      result.records.push({ line, value: JSON.parse(raw) as unknown });
    } catch (err) {
      result.problems.push({ line, message: `not valid JSON: ${(err as Error).message}` });
    }
  });
  return result;
}

type CellType = 'string' | 'number' | 'boolean' | 'json';
const CELL_TYPES: readonly CellType[] = ['string', 'number', 'boolean', 'json'];
const KEY = /^[A-Za-z0-9_]+$/;
const FORBIDDEN_KEYS = new Set(['__proto__', 'prototype', 'constructor']);

interface Column {
  header: string;
  path: string[];
  type: CellType;
}

/**
 * The header names where each column goes: a dotted path into the template (`task.input.account`),
 * optionally with a type (`task.input.ms:number`; `string` by default, or `number`, `boolean`, `json`).
 */
function parseHeader(header: string): Column | string {
  const [pathText = '', type = 'string', ...rest] = header.trim().split(':');
  const path = pathText.split('.');
  if (rest.length || !CELL_TYPES.includes(type as CellType)) {
    return `column "${header}": the type after ":" must be one of ${CELL_TYPES.join(', ')}`;
  }
  if (path.some((key) => !KEY.test(key) || FORBIDDEN_KEYS.has(key))) {
    return `column "${header}": must be a field path such as task.input.account (letters, digits, _ between dots)`;
  }
  return { header, path, type: type as CellType };
}

function cellValue(cell: string, column: Column): unknown {
  if (column.type === 'string') return cell;
  if (column.type === 'number') {
    const n = Number(cell);
    if (cell.trim() === '' || !Number.isFinite(n)) throw new Error(`"${cell}" is not a number`);
    return n;
  }
  if (column.type === 'boolean') {
    if (cell !== 'true' && cell !== 'false') throw new Error(`"${cell}" is not true or false`);
    return cell === 'true';
  }
  try {
    return JSON.parse(cell) as unknown;
  } catch {
    throw new Error(`"${cell}" is not valid JSON`);
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function readCsv(text: string, template: unknown): ReadRecords {
  const result: ReadRecords = { records: [], problems: [] };
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof rows;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    return { records: [], problems: [{ line, message: `not valid CSV: ${(err as Error).message}` }] };
  }
  const [head, ...body] = rows;
  if (!head) return result;
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    return { records: [], problems: [{ message: 'the template of a CSV file must be a JSON object' }] };
  }
  const columns = head.record.map(parseHeader);
  const bad = columns.filter((c): c is string => typeof c === 'string');
  if (bad.length) return { records: [], problems: bad.map((message) => ({ line: 1, message })) };
  for (const { record, info } of body) {
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== columns.length) {
      result.problems.push({ line, message: `has ${record.length} cells, the header ${columns.length}` });
      continue;
    }
    const value = structuredClone(template) as Record<string, unknown>;
    const problems: string[] = [];
    (columns as Column[]).forEach((column, i) => {
      const cell = record[i]!;
      if (cell === '') return; // an empty cell keeps the template's value
      try {
        setPath(value, column.path, cellValue(cell, column));
      } catch (err) {
        problems.push(`column ${column.header}: ${(err as Error).message}`);
      }
    });
    if (problems.length) result.problems.push(...problems.map((message) => ({ line, message })));
    else result.records.push({ line, value });
  }
  return result;
}
