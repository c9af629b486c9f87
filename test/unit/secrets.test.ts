import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createSecretStore, parseSecrets } from '../../src/secrets';

const PASSWORD = 'hunter2-very-secret';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

void describe('createSecretStore', () => {
  const store = createSecretStore({ shop_a: { username: 'acme', password: PASSWORD } });

  void it('returns the fields of a credential, which callers cannot change', () => {
    const credential = store.get('shop_a');
    assert.deepEqual(credential, { username: 'acme', password: PASSWORD });
    assert.throws(() => {
      (credential as Record<string, string>).password = 'changed';
    }, TypeError);
    assert.equal(store.get('shop_a').password, PASSWORD);
  });

  void it('throws TaskSecretMissing naming the ref, never a value', () => {
    const err = caught(() => store.get('shop_b'));
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'TaskSecretMissing');
    assert.match(err.message, /"shop_b"/);
    assert.doesNotMatch(err.message, /shop_a|acme|hunter2/);
  });

  void it('does not resolve inherited properties as credentials', () => {
    for (const ref of ['constructor', '__proto__', 'toString']) {
      const err = caught(() => store.get(ref));
      assert.ok(err instanceof ApplicationFailure && err.type === 'TaskSecretMissing', ref);
    }
  });
});

void describe('parseSecrets', () => {
  void it('parses a map of credentials', () => {
    const json = JSON.stringify({ shop_a: { username: 'acme', password: PASSWORD }, api: { token: 't' } });
    assert.deepEqual(parseSecrets(json, 'MLX_TASK_SECRETS'), {
      shop_a: { username: 'acme', password: PASSWORD },
      api: { token: 't' },
    });
  });

  void it('names the source on bad JSON without quoting the text', () => {
    const err = caught(() => parseSecrets(`{"shop_a": {"password": ${PASSWORD}}}`, 'MLX_TASK_SECRETS'));
    assert.ok(err instanceof Error);
    assert.match(err.message, /^MLX_TASK_SECRETS: not valid JSON/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  void it('names the bad ref and field, never the value', () => {
    const json = JSON.stringify({ shop_a: { username: 'acme', password: 12345 }, shop_b: 'hunter2-plain' });
    const err = caught(() => parseSecrets(json, 'MLX_TASK_SECRETS_FILE (/etc/secrets.json)'));
    assert.ok(err instanceof Error);
    assert.match(err.message, /^MLX_TASK_SECRETS_FILE \(\/etc\/secrets\.json\): /);
    assert.match(err.message, /credential "shop_a" field "password": expected a string/);
    assert.match(err.message, /credential "shop_b": expected an object of string fields/);
    assert.doesNotMatch(err.message, /12345|hunter2|acme/);
  });

  void it('refuses a top level that is not an object, and empty names', () => {
    assert.throws(
      () => parseSecrets('["a"]', 'src'),
      /^Error: src: expected an object mapping credential names/,
    );
    assert.throws(() => parseSecrets('{"": {"a": "b"}}', 'src'), /credential names must not be empty/);
    assert.throws(
      () => parseSecrets('{"x": {"": "b"}}', 'src'),
      /credential "x": field names must not be empty/,
    );
  });
});
