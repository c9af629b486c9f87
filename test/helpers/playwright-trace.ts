import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** The entries of a zip file, by name: read from its central directory (stored or deflated). */
export function zipEntries(path: string): Map<string, Buffer> {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${path} is a zip (it has an end of central directory record)`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + compressed);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + skip;
  }
  return entries;
}

/**
 * Asserts that `path` is a Playwright trace as `npx playwright show-trace` reads it: a zip, mode 0600,
 * holding trace.trace (JSON lines opening with the context's options) and trace.network. Returns the
 * trace's events.
 */
export function assertPlaywrightTrace(path: string): Record<string, unknown>[] {
  assert.equal(statSync(path).mode & 0o777, 0o600, `${path} is readable by its owner alone`);
  const entries = zipEntries(path);
  assert.ok(entries.has('trace.network'), `trace.network in ${[...entries.keys()].join(', ')}`);
  const trace = entries.get('trace.trace');
  assert.ok(trace, 'trace.trace in the zip');
  const events = trace
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(events[0]?.type, 'context-options', 'Playwright opens a trace with the context options');
  assert.equal(typeof events[0]?.version, 'number');
  return events;
}
