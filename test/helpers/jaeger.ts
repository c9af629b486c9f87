// Jaeger for the tests: the same starter the demo uses.
export { startJaeger, type Jaeger } from '../../src/dev/jaeger';
