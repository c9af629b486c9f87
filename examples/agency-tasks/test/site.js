// A small seller centre for the task's tests: a sign-in page and the monthly payout statements.
const { createServer } = require('node:http');

const STATEMENTS = {
  '2026-10': { status: 'locked', payouts: [] },
  '2026-11': {
    status: 'published',
    payouts: [
      { reference: 'PO-1101', amount: '1,200.50' },
      { reference: 'PO-1102', amount: '99.05' },
    ],
  },
  '2026-12': { status: 'pending', payouts: [] },
};

const page = (body) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Seller centre</title></head><body>${body}</body></html>`;

/** Serves the site on 127.0.0.1; `user` is the one account it accepts. */
function startPayoutsSite(user = { email: 'finance@shop42.example', password: 'correct horse' }) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const signedIn = (req.headers.cookie ?? '').includes('session=ok');
    const send = (html, headers = {}) => {
      res.writeHead(200, { 'content-type': 'text/html', ...headers });
      res.end(page(html));
    };
    if (req.method === 'POST' && url.pathname === '/login') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('email') === user.email && form.get('password') === user.password) {
          res.writeHead(303, { location: '/statements', 'set-cookie': 'session=ok; Path=/' });
          res.end();
        } else send(loginForm('<p role="alert">Wrong email or password</p>'));
      });
      return;
    }
    if (url.pathname !== '/statements') {
      res.writeHead(404).end();
      return;
    }
    if (!signedIn) return send(loginForm(''));
    const month = url.searchParams.get('month');
    const statement = month ? STATEMENTS[month] : undefined;
    const options = Object.keys(STATEMENTS)
      .map((m) => `<option value="${m}">${m}</option>`)
      .join('');
    const form = `<form method="get"><label>Month <select name="month">${options}</select></label>
      <button type="submit">Open statement</button></form>`;
    if (!statement) return send(`<h1>Statements</h1>${form}`);
    const rows = statement.payouts
      .map((p) => `<tr><td>${p.reference}</td><td>${p.amount}</td></tr>`)
      .join('');
    const total = statement.payouts.reduce((sum, p) => sum + Number(p.amount.replace(/,/g, '')), 0);
    send(`<h1>Statement ${month}</h1>${form}<p data-testid="statement-status">${statement.status}</p>
      <table id="payouts"><tbody>${rows}</tbody></table>
      <p>Total <span data-testid="statement-total">${total.toFixed(2)}</span></p>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        user,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

function loginForm(alert) {
  return `<h1>Sign in</h1>${alert}<form method="post" action="/login">
    <label>Email <input name="email" type="email"></label>
    <label>Password <input name="password" type="password"></label>
    <button type="submit">Sign in</button></form>`;
}

module.exports = { startPayoutsSite };
