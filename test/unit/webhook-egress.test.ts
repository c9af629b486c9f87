import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { egressPolicy } from '../../src/config/egress-config';
import {
  checkTarget,
  deliver,
  isPublicAddress,
  judgeTarget,
  STRICT_EGRESS,
  type EgressPolicy,
  type Resolve,
} from '../../src/webhooks';

const resolveTo =
  (...addresses: string[]): Resolve =>
  () =>
    Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

const allow = (setting: string): EgressPolicy => egressPolicy({ MLX_WEBHOOK_ALLOW_HOSTS: setting });

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
    '192.0.2.1', // documentation
    '198.18.0.1', // benchmarking
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'ff02::1',
    'fec0::1', // site-local
    '::7f00:1', // IPv4-compatible 127.0.0.1
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:127.0.0.1',
    '::ffff:0:7f00:1', // SIIT-translated 127.0.0.1
    '64:ff9b::a9fe:a9fe', // NAT64
    '64:ff9b:1::a9fe:a9fe', // local-use NAT64
    '2002:7f00:1::1', // 6to4 of 127.0.0.1
    '2001::1', // Teredo
    '2001:db8::1', // documentation
    'not-an-address',
  ]) {
    assert.equal(isPublicAddress(address), false, address);
  }
  for (const address of [
    '93.184.216.34',
    '8.8.8.8',
    '2606:4700:4700::1111',
    '172.32.0.1',
    '::ffff:8.8.8.8',
  ]) {
    assert.equal(isPublicAddress(address), true, address);
  }
});

test('the URL forms that reach loopback or metadata are refused before any connection', async () => {
  for (const url of [
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]:7233/',
    'https://[::ffff:169.254.169.254]/',
    'https://2130706433/', // decimal 127.0.0.1
    'https://2852039166/hook', // decimal 169.254.169.254
    'https://0x7f000001/',
    'https://127.1/',
    'https://localhost:7233/',
    'https://api.localhost./',
  ]) {
    assert.throws(() => judgeTarget(url, 'c1', STRICT_EGRESS), /non-public address/, url);
    await assert.rejects(
      checkTarget(url, 'c1', STRICT_EGRESS, () => assert.fail(`${url} was resolved`)),
      /non-public address/,
      url,
    );
  }
  await assert.rejects(
    checkTarget('https://hooks.example/', 'c1', STRICT_EGRESS, resolveTo('93.184.216.34', '10.0.0.5')),
    /non-public/,
    'every address is checked',
  );
  assert.throws(() => judgeTarget('http://169.254.169.254/latest/meta-data/', 'c1', STRICT_EGRESS), /https/);
  assert.throws(() => judgeTarget('http://hooks.example/', 'c1', STRICT_EGRESS), /must be https/);
  for (const url of ['https://user:pw@hooks.example/', 'https:user:pass@hooks.example/x']) {
    assert.throws(() => judgeTarget(url, 'c1', STRICT_EGRESS), /credentials/, url);
  }
  await assert.rejects(
    checkTarget('https://nowhere.invalid/', 'c1', STRICT_EGRESS, () =>
      Promise.reject(new Error('ENOTFOUND')),
    ),
    /does not resolve/,
  );
});

test('an allowed host allows only its port(s), fleet-wide or for its client only', async () => {
  const policy = allow('127.0.0.1:8080, c2=hooks.internal, [::1]:*');
  const local = await checkTarget('http://127.0.0.1:8080/hook', 'c1', policy);
  assert.equal(local.address, '127.0.0.1');
  assert.throws(() => judgeTarget('http://127.0.0.1:7233/', 'c1', policy), /must be https/);
  assert.throws(() => judgeTarget('https://127.0.0.1:7233/', 'c1', policy), /non-public/);
  const internal = await checkTarget('http://hooks.internal/x', 'c2', policy, resolveTo('10.0.0.7'));
  assert.deepEqual([internal.address, internal.family], ['10.0.0.7', 4]);
  assert.throws(() => judgeTarget('http://hooks.internal:8443/x', 'c2', policy), /must be https/);
  assert.throws(() => judgeTarget('http://hooks.internal/x', 'c1', policy), /must be https/);
  assert.throws(() => judgeTarget('http://hooks.internal/x', 'constructor', policy), /must be https/);
  assert.equal(judgeTarget('http://[::1]:9/', 'c1', policy).allowed, true);
  const pub = await checkTarget('https://hooks.example/x', 'c1', policy, resolveTo('93.184.216.34'));
  assert.equal(pub.address, '93.184.216.34');
  for (const bad of ['hooks.example:99999', 'c2=', '=host', 'http://host', 'host/path']) {
    assert.throws(() => allow(bad), /MLX_WEBHOOK_ALLOW_HOSTS/, bad);
  }
});

test('the POST goes to the address that was checked: a resolver that answers otherwise the second time is not asked again', async (t) => {
  const hosts: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    hosts.push(req.headers.host);
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as AddressInfo;
  // First the receiver; asked again, an address where nothing answers (a rebinding DNS).
  const answers = ['127.0.0.1', '10.255.255.1'];
  let asked = 0;
  const rebinding: Resolve = () => resolveTo(answers[Math.min(asked++, 1)]!)('');
  const target = await checkTarget(
    `http://hooks.internal:${port}/x`,
    'c1',
    allow(`hooks.internal:${port}`),
    rebinding,
  );
  const result = await deliver(target, { 'content-type': 'application/json' }, '{}', 5_000);
  assert.deepEqual(result, { connected: true, status: 204, retryAfter: undefined });
  assert.equal(asked, 1, 'resolved once, for the check');
  assert.deepEqual(hosts, [`hooks.internal:${port}`], 'the Host header keeps the name');
});
