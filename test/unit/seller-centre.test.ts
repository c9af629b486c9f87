import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  filterOrders,
  generateOrders,
  ordersCsv,
  SESSION_COOKIE,
  startSellerCentre,
  type SellerCentre,
} from '../../src/demo/seller-centre';

const ORDERS = generateOrders({
  seed: 3,
  count: 45,
  from: new Date('2024-05-01T00:00:00Z'),
  to: new Date('2024-05-11T00:00:00Z'),
});

void describe('demo seller centre', () => {
  let centre: SellerCentre;
  let cookie: string;

  const get = (path: string, headers: Record<string, string> = { cookie }) =>
    fetch(centre.url + path, { headers, redirect: 'manual' });
  const login = (fields: Record<string, string>) =>
    fetch(`${centre.url}/login`, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });

  before(async () => {
    centre = await startSellerCentre({ accounts: { shop: 'pw', banned_shop: 'pw' }, orders: ORDERS });
    const res = await login({ username: 'shop', password: 'pw' });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  });

  after(() => centre.close());

  void it('listens on 127.0.0.1', () => {
    assert.match(centre.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  void it('sends visitors without a session to the login page, keeping where they were going', async () => {
    const res = await get('/orders?from=2024-05-02', {});
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/login?next=%2Forders%3Ffrom%3D2024-05-02');
    assert.equal((await get('/orders/export.csv', {})).status, 302);
  });

  void it('signs in with an HttpOnly session cookie and goes to `next`, never off-site', async () => {
    const res = await login({ username: 'shop', password: 'pw', next: '/orders?status=shipped' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/orders?status=shipped');
    assert.match(res.headers.get('set-cookie') ?? '', new RegExp(`^${SESSION_COOKIE}=[\\w-]+; .*HttpOnly`));
    const offSite = await login({ username: 'shop', password: 'pw', next: '//evil.example/' });
    assert.equal(offSite.headers.get('location'), '/orders');
  });

  void it('re-renders the form on wrong credentials, shows suspension for banned_* accounts', async () => {
    const wrong = await login({ username: 'shop', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    assert.match(await wrong.text(), /Invalid username or password/);
    const banned = await login({ username: 'banned_shop', password: 'pw' });
    assert.equal(banned.status, 403);
    assert.match(await banned.text(), /Account suspended/);
  });

  void it('pages the filtered orders 20 at a time, newest first', async () => {
    const expected = filterOrders(ORDERS, { from: '2024-05-02', to: '2024-05-09' }).reverse();
    const pages = Math.ceil(expected.length / 20);
    const html = await (await get(`/orders?from=2024-05-02&to=2024-05-09&page=${pages}`)).text();
    const ids = [...html.matchAll(/data-order-id="([^"]+)"/g)].map((match) => match[1]);
    assert.deepEqual(
      ids,
      expected.slice((pages - 1) * 20).map((order) => order.id),
    );
    assert.match(html, new RegExp(`Page ${pages} of ${pages}`));
    assert.match(html, new RegExp(`${expected.length} orders`));
    assert.match(html, /rel="prev"[^>]*>Previous</);
    assert.doesNotMatch(html, /rel="next"/);
  });

  void it('exports the filtered orders as an attachment', async () => {
    const res = await get('/orders/export.csv?from=2024-05-03&to=2024-05-04&status=completed');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(
      res.headers.get('content-disposition'),
      'attachment; filename="orders-2024-05-03-2024-05-04.csv"',
    );
    const expected = filterOrders(ORDERS, {
      from: '2024-05-03',
      to: '2024-05-04',
      status: 'completed',
    }).reverse();
    assert.equal(Buffer.from(await res.arrayBuffer()).toString('utf8'), ordersCsv(expected));
  });

  void it('answers 400 naming the bad query parameter', async () => {
    for (const [query, name] of [
      ['from=2024-02-30', 'from'],
      ['to=05/01/2024', 'to'],
      ['status=lost', 'status'],
      ['page=0', 'page'],
      ['from=2024-05-09&to=2024-05-01', 'from'],
    ] as const) {
      const res = await get(`/orders?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(await res.text(), new RegExp(`Invalid query parameter &quot;${name}&quot;`), query);
    }
  });

  void it('answers 404 on unknown paths and 405 on wrong methods', async () => {
    assert.equal((await get('/admin')).status, 404);
    const res = await fetch(`${centre.url}/orders`, { method: 'DELETE', headers: { cookie } });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });

  void it('ends the session on logout', async () => {
    const res = await login({ username: 'shop', password: 'pw' });
    const session = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    assert.equal((await get('/orders', { cookie: session })).status, 200);
    const out = await fetch(`${centre.url}/logout`, {
      method: 'POST',
      headers: { cookie: session },
      redirect: 'manual',
    });
    assert.equal(out.status, 303);
    assert.equal((await get('/orders', { cookie: session })).status, 302);
  });
});

void describe('demo seller centre: an account that asks for a one-time code', () => {
  let centre: SellerCentre;
  const sent: string[] = [];
  const post = (path: string, fields: Record<string, string>) =>
    fetch(centre.url + path, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
  const pendingOf = (html: string) => /name="pending" value="([^"]+)"/.exec(html)?.[1] ?? '';

  before(async () => {
    centre = await startSellerCentre({
      accounts: { owner: { password: 'pw', one_time_code: true } },
      sendCode: (username, code) => sent.push(`${username}:${code}`),
    });
  });
  after(() => centre.close());

  void it('asks for the code it sent after the password, and signs in only with that code', async () => {
    const asked = await post('/login', { username: 'owner', password: 'pw', next: '/orders?status=shipped' });
    assert.equal(asked.status, 200);
    assert.equal(asked.headers.get('set-cookie'), null, 'no session before the code');
    const page = await asked.text();
    assert.match(page, /data-testid="code-form"/);
    const code = sent.at(-1)?.split(':')[1] ?? '';
    assert.match(sent.at(-1) ?? '', /^owner:\d{6}$/);
    const wrongCode = code === '000000' ? '111111' : '000000';
    const wrong = await post('/login/code', { pending: pendingOf(page), code: wrongCode });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /not the one we sent/);
    const right = await post('/login/code', { pending: pendingOf(page), code });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), '/orders?status=shipped');
    assert.match(right.headers.get('set-cookie') ?? '', new RegExp(`^${SESSION_COOKIE}=`));
    const again = await post('/login/code', { pending: pendingOf(page), code });
    assert.equal(again.status, 401, 'a code signs in once');
  });

  void it('three wrong codes end the sign-in: the right one is refused after them', async () => {
    const page = await (await post('/login', { username: 'owner', password: 'pw' })).text();
    const code = sent.at(-1)?.split(':')[1] ?? '';
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) await post('/login/code', { pending: pendingOf(page), code: wrongCode });
    const late = await post('/login/code', { pending: pendingOf(page), code });
    assert.equal(late.status, 401);
    assert.match(await late.text(), /Sign in again/);
  });
});
