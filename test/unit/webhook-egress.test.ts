import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTarget, isPublicAddress, STRICT_EGRESS, type EgressPolicy } from '../../src/webhooks';

const resolveTo =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

test('non-public addresses are refused in every spelling', () => {
  for (const address of [
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:127.0.0.1',
    '64:ff9b::a9fe:a9fe',
  ]) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1']) {
    assert.equal(isPublicAddress(address), true, address);
  }
});

test('the URL forms that reach loopback or metadata are refused before any connection', async () => {
  for (const url of [
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]:7233/',
    'https://[::ffff:169.254.169.254]/',
    'https://2130706433/', // decimal 127.0.0.1
    'https://0x7f000001/',
    'https://127.1/',
  ]) {
    await assert.rejects(checkTarget(url, 'c1', STRICT_EGRESS), /non-public address/, url);
  }
  await assert.rejects(
    checkTarget('https://hooks.example/', 'c1', STRICT_EGRESS, resolveTo('93.184.216.34', '10.0.0.5')),
    /non-public/,
    'every address is checked',
  );
  await assert.rejects(
    checkTarget('http://hooks.example/', 'c1', STRICT_EGRESS, resolveTo('93.184.216.34')),
    /must be https/,
  );
  await assert.rejects(
    checkTarget('https://user:pw@hooks.example/', 'c1', STRICT_EGRESS, resolveTo('93.184.216.34')),
    /credentials/,
  );
  await assert.rejects(
    checkTarget('https://nowhere.invalid/', 'c1', STRICT_EGRESS, () =>
      Promise.reject(new Error('ENOTFOUND')),
    ),
    /does not resolve/,
  );
});

test('an allowed host may be http and private, fleet-wide or for its client only; the checked address is kept', async () => {
  const policy: EgressPolicy = { allowHosts: ['127.0.0.1'], allowHostsByClient: { c2: ['hooks.internal'] } };
  const local = await checkTarget('http://127.0.0.1:8080/hook', 'c1', policy);
  assert.equal(local.address, '127.0.0.1');
  const internal = await checkTarget('http://hooks.internal/x', 'c2', policy, resolveTo('10.0.0.7'));
  assert.deepEqual([internal.address, internal.family], ['10.0.0.7', 4]);
  await assert.rejects(
    checkTarget('http://hooks.internal/x', 'c1', policy, resolveTo('10.0.0.7')),
    /must be https/,
  );
  const pub = await checkTarget('https://hooks.example/x', 'c1', policy, resolveTo('93.184.216.34'));
  assert.equal(pub.address, '93.184.216.34');
});
