import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { secretsForClient } from '../../src/config/webhook-config';
import { STRICT_EGRESS } from '../../src/webhooks';
import {
  checkProfileOwner,
  createCredentialStore,
  parseProfileOwners,
  parseSecrets,
} from '../../src/secrets';

const PASSWORD = 'hunter2-very-secret';
const SHOP_A = {
  username: 'acme',
  password: PASSWORD,
  origins: ['https://seller.example'],
  clients: ['42'],
};

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a throw');
}

function failureOf(fn: () => unknown): ApplicationFailure {
  const err = caught(fn);
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

const store = createCredentialStore(parseSecrets(JSON.stringify({ shop_a: SHOP_A }), 'test'));
const use = { account: 'shop_a', url: 'https://seller.example/orders?from=2026-01-01' };

void describe('credentials bound to origins and clients', () => {
  void it('a job of a listed client gets the fields, for a URL on a listed origin, and cannot change them', () => {
    const secrets = store.forJob([use], '42');
    const credential = secrets.get('shop_a');
    assert.deepEqual(credential, { username: 'acme', password: PASSWORD });
    assert.throws(() => {
      (credential as Record<string, string>).password = 'changed';
    }, TypeError);
    assert.equal(secrets.get('shop_a').password, PASSWORD);
  });

  void it("another client's job is refused: CredentialNotAllowed naming the account, never a value", () => {
    const err = failureOf(() => store.forJob([use], '43'));
    assert.equal(err.type, 'CredentialNotAllowed');
    assert.match(err.message, /"shop_a".*client 43/);
    assert.doesNotMatch(err.message, /hunter2|acme|42/);
  });

  void it('another origin is refused, naming it and the allowed ones', () => {
    for (const url of [
      'https://seller.example.evil.test/login',
      'http://seller.example/',
      'https://seller.example:8443/',
      'javascript:alert(1)',
    ]) {
      const err = failureOf(() => store.check({ account: 'shop_a', url }, '42'));
      assert.equal(err.type, 'CredentialNotAllowed', url);
      assert.match(err.message, /may not be typed into .*its origins are https:\/\/seller\.example/, url);
      assert.doesNotMatch(err.message, /hunter2/);
    }
  });

  void it('a task gets only the credentials its job was checked for', () => {
    const secrets = store.forJob([], '42');
    const err = failureOf(() => secrets.get('shop_a'));
    assert.equal(err.type, 'CredentialNotAllowed');
  });

  void it('a missing credential is TaskSecretMissing, and inherited names are no credentials', () => {
    for (const account of ['shop_b', 'constructor', '__proto__', 'toString']) {
      const err = failureOf(() => store.check({ account, url: use.url }, '42'));
      assert.equal(err.type, 'TaskSecretMissing', account);
    }
  });

  void it('the redactor learns every value but the public fields', () => {
    const withPublic = createCredentialStore(
      parseSecrets(JSON.stringify({ shop_a: { ...SHOP_A, public_fields: ['username'] } }), 'test'),
    );
    assert.deepEqual(withPublic.secretValues(), [PASSWORD]);
    assert.deepEqual(store.secretValues().sort(), [PASSWORD, 'acme'].sort());
    assert.deepEqual(store.originsOf([use]), ['https://seller.example']);
  });
});

void describe('parseSecrets', () => {
  void it('names the source on bad JSON without quoting the text', () => {
    const err = caught(() => parseSecrets(`{"shop_a": {"password": ${PASSWORD}}}`, 'MLX_TASK_SECRETS'));
    assert.ok(err instanceof Error);
    assert.match(err.message, /^MLX_TASK_SECRETS: not valid JSON/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  void it('names the bad ref and field, never the value', () => {
    const json = JSON.stringify({ shop_a: { ...SHOP_A, password: 12345 }, shop_b: 'hunter2-plain' });
    const err = caught(() => parseSecrets(json, 'MLX_TASK_SECRETS_FILE (/etc/secrets.json)'));
    assert.ok(err instanceof Error);
    assert.match(err.message, /^MLX_TASK_SECRETS_FILE \(\/etc\/secrets\.json\): /);
    assert.match(err.message, /credential "shop_a" field "password": expected a string/);
    assert.match(err.message, /credential "shop_b": expected an object/);
    assert.doesNotMatch(err.message, /12345|hunter2|acme/);
  });

  void it('every credential names its origins (https unless allow_http) and its clients', () => {
    const bad = (entry: object) =>
      (caught(() => parseSecrets(JSON.stringify({ c: entry }), 'src')) as Error).message;
    assert.match(bad({ username: 'u', password: 'p', clients: ['42'] }), /credential "c" origins: /);
    assert.match(bad({ username: 'u', origins: ['https://a.example'] }), /credential "c" clients: /);
    assert.match(bad({ ...SHOP_A, clients: [] }), /clients: needs at least one client_id/);
    assert.match(bad({ ...SHOP_A, origins: ['http://a.example'] }), /is http: set "allow_http": true/);
    assert.match(bad({ ...SHOP_A, origins: ['https://a.example/login'] }), /is not an origin \(no path/);
    assert.match(bad({ ...SHOP_A, origins: ['ftp://a.example'] }), /must be https/);
    assert.match(bad({ ...SHOP_A, public_fields: ['pin'] }), /public_fields: no field pin/);
    const http = parseSecrets(
      JSON.stringify({ c: { ...SHOP_A, origins: ['http://127.0.0.1:8080'], allow_http: true } }),
      'src',
    );
    assert.deepEqual(http.c?.origins, ['http://127.0.0.1:8080']);
  });

  void it('refuses a top level that is not an object, and empty names', () => {
    assert.throws(
      () => parseSecrets('["a"]', 'src'),
      /^Error: src: expected an object mapping credential names/,
    );
    assert.throws(
      () => parseSecrets(`{"": ${JSON.stringify(SHOP_A)}}`, 'src'),
      /credential names must not be empty/,
    );
    assert.throws(
      () => parseSecrets(JSON.stringify({ x: { ...SHOP_A, '': 'b' } }), 'src'),
      /credential "x": field names must not be empty/,
    );
  });

  void it('the example secrets file of the docs parses', () => {
    const file = join(__dirname, '..', '..', 'deploy', 'task-secrets.example.json');
    const parsed = parseSecrets(readFileSync(file, 'utf8'), file);
    assert.ok(Object.keys(parsed).length > 0);
  });
});

void describe('profile owners', () => {
  const owners = parseProfileOwners(
    JSON.stringify({ profiles: { 'p-1': '42' }, folders: { 'folder-43': '43' } }),
    'MLX_PROFILE_OWNERS',
  );
  const job = (profile_id: string, folder_id: string, client_id: string) => ({
    profile_id,
    folder_id,
    client_id,
  });

  void it('a profile is its client own, by itself or by its folder', () => {
    checkProfileOwner(owners, job('p-1', 'any', '42'));
    checkProfileOwner(owners, job('p-9', 'folder-43', '43'));
    checkProfileOwner(undefined, job('p-1', 'any', '43'));
  });

  void it("another client's profile, or one nobody owns, is ProfileNotAllowed without naming the owner", () => {
    const other = failureOf(() => checkProfileOwner(owners, job('p-1', 'any', '43')));
    assert.equal(other.type, 'ProfileNotAllowed');
    assert.match(other.message, /^profile_id: profile p-1 is not one of client 43's profiles$/);
    const nobody = failureOf(() => checkProfileOwner(owners, job('p-2', 'f', '42')));
    assert.match(nobody.message, /is assigned to no client/);
    // 42's own profile named under 43's folder: neither client may, so the folder never decides.
    for (const client of ['42', '43']) {
      const across = failureOf(() => checkProfileOwner(owners, job('p-1', 'folder-43', client)));
      assert.match(across.message, new RegExp(`profile p-1 is not one of client ${client}'s profiles`));
    }
  });

  void it("ids that are Object.prototype's keys are owned by nobody unless listed", () => {
    for (const id of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__']) {
      const nobody = failureOf(() => checkProfileOwner(owners, job(id, id, id)));
      assert.match(nobody.message, /is assigned to no client/, id);
    }
    const listed = parseProfileOwners('{"folders": {"constructor": "toString"}}', 'src');
    checkProfileOwner(listed, job('valueOf', 'constructor', 'toString'));
  });

  void it("a client whose id is an Object.prototype key signs with the fleet's secret", () => {
    const secrets = secretsForClient({
      defaultSecrets: ['fleet-secret-0123456789'],
      byClient: { '42': ['client-secret-0123456789'] },
      unsignedAllowed: false,
      egress: STRICT_EGRESS,
    });
    for (const id of ['constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      assert.deepEqual(secrets(id), ['fleet-secret-0123456789'], id);
    }
    assert.deepEqual(secrets('42'), ['client-secret-0123456789']);
  });

  void it('a bad map names the field', () => {
    assert.throws(() => parseProfileOwners('{"profiles": {"p 1": "42"}}', 'src'), /^Error: src: profiles/);
    assert.throws(() => parseProfileOwners('{"tenants": {}}', 'src'), /Unrecognized key/);
  });
});
