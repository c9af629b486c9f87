import { readFileSync } from 'node:fs';
import { formatOfFile, readRecords, type ReadRecords, type RecordFormat } from '../client-library';
import { UsageError } from './usage-error';

/** A file's text; `-` reads stdin. One that cannot be read is a usage error (exit 2) naming `label`. */
export function readText(file: string, label = file === '-' ? 'stdin' : file): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`${label}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A JSON file (`-`: stdin); refused as a usage error (exit 2) naming `label` when it does not parse. */
export function readJsonFile(file: string, label = file === '-' ? 'stdin' : file): unknown {
  const text = readText(file, label);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${label} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * The records of FILE, in the format --format names or its extension implies (`formats[0]` otherwise);
 * CSV rows are set on the --template JSON object.
 */
export function readRecordsFile(
  file: string,
  options: { format?: string; template?: string; formats: readonly RecordFormat[] },
): ReadRecords {
  const fallback = options.formats[0]!;
  const format = (options.format ?? (file === '-' ? fallback : formatOfFile(file, fallback))) as RecordFormat;
  if (!options.formats.includes(format)) {
    throw new UsageError(`--format must be ${options.formats.join(' or ')}, not "${format}"`);
  }
  if (options.template && format !== 'csv') throw new UsageError('--template goes with a CSV file only');
  const template = options.template ? readJsonFile(options.template, `--template ${options.template}`) : {};
  return readRecords(readText(file), format, template);
}
