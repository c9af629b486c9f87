/**
 * `record[key]` when the record holds `key` itself. Ids such as `constructor`, `toString` or `valueOf`
 * match the id charset; a plain lookup would answer them with Object.prototype's functions.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
