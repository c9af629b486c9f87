/**
 * A test file's shared state, made by whichever test needs it first: `make` runs once, later calls get
 * the same promise. So each test can set up what it needs and still run alone (--test-name-pattern),
 * while a whole-file run pays for it once.
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
