import { formatCents } from './csv';
import { ORDER_STATUSES, type Order, type OrderFilter, type OrderStatus } from './orders';

const STATUS_LABELS: Record<OrderStatus, string> = {
  to_ship: 'To ship',
  shipped: 'Shipped',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #f6f6f6; }
header { background: #ee4d2d; color: #fff; padding: 12px 24px; display: flex; justify-content: space-between; }
header form { margin: 0; }
main { max-width: 1000px; margin: 24px auto; background: #fff; padding: 24px; border-radius: 4px; }
label { display: block; margin: 8px 0 4px; }
table { border-collapse: collapse; width: 100%; margin: 16px 0; }
th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; }
.filters { display: flex; gap: 16px; align-items: end; }
.error { color: #b00020; }
nav.pagination { display: flex; gap: 16px; align-items: center; }
.disabled { color: #999; }
`;

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function layout(title: string, body: string, signedInAs?: string): string {
  const account = signedInAs
    ? `<span data-testid="signed-in-as">${escapeHtml(signedInAs)}</span>
       <form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} · Demo Seller Centre</title><style>${STYLE}</style></head>
<body>
<header><strong>Demo Seller Centre</strong>${account}</header>
${body}
</body>
</html>`;
}

export interface LoginPageOptions {
  next?: string;
  username?: string;
  error?: string;
}

export function loginPage({ next, username, error }: LoginPageOptions): string {
  return layout(
    'Sign in',
    `<main data-testid="login-page">
<h1>Sign in to your shop</h1>
${error ? `<p class="error" role="alert" data-testid="login-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login" data-testid="login-form">
  ${next ? `<input type="hidden" name="next" value="${escapeHtml(next)}">` : ''}
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${escapeHtml(username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <p><button type="submit" data-testid="login-submit">Sign in</button></p>
</form>
</main>`,
  );
}

/** The second step of a sign-in: the one-time code sent to the shop owner's phone. */
export function codePage({ pending, error }: { pending: string; error?: string }): string {
  return layout(
    'Enter the code',
    `<main data-testid="code-page">
<h1>Enter the code we sent</h1>
<p>We sent a six-digit code to the phone of the shop's owner.</p>
${error ? `<p class="error" role="alert" data-testid="code-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/login/code" data-testid="code-form">
  <input type="hidden" name="pending" value="${escapeHtml(pending)}">
  <label for="code">One-time code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <p><button type="submit">Verify</button></p>
</form>
</main>`,
  );
}

export function suspendedPage(username: string): string {
  return layout(
    'Account suspended',
    `<main data-testid="account-suspended">
<h1>Account suspended</h1>
<p>The seller account <strong>${escapeHtml(username)}</strong> has been suspended for violating marketplace
policies. Contact seller support to appeal.</p>
</main>`,
  );
}

export interface OrdersPageOptions {
  username: string;
  filter: OrderFilter;
  /** The orders of this page only. */
  orders: readonly Order[];
  page: number;
  totalPages: number;
  total: number;
}

/** The query string for a filter (and page), leaving out what is unset. */
function filterQuery(filter: OrderFilter, page?: number): string {
  const params = new URLSearchParams();
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  if (filter.status) params.set('status', filter.status);
  if (page !== undefined && page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `?${query}` : '';
}

export function ordersPage(options: OrdersPageOptions): string {
  const { filter, orders, page, totalPages, total } = options;
  const statusOptions = ORDER_STATUSES.map(
    (status) =>
      `<option value="${status}"${filter.status === status ? ' selected' : ''}>${STATUS_LABELS[status]}</option>`,
  ).join('');
  const rows = orders.map(orderRow).join('\n');
  const previous =
    page > 1
      ? `<a rel="prev" href="/orders${escapeHtml(filterQuery(filter, page - 1))}">Previous</a>`
      : '<span class="disabled">Previous</span>';
  const next =
    page < totalPages
      ? `<a rel="next" href="/orders${escapeHtml(filterQuery(filter, page + 1))}">Next</a>`
      : '<span class="disabled">Next</span>';
  return layout(
    'Orders',
    `<main data-testid="orders-page">
<h1>Orders</h1>
<form method="get" action="/orders" class="filters" data-testid="filter-form">
  <div><label for="from">From</label><input type="date" id="from" name="from" value="${escapeHtml(filter.from ?? '')}"></div>
  <div><label for="to">To</label><input type="date" id="to" name="to" value="${escapeHtml(filter.to ?? '')}"></div>
  <div><label for="status">Status</label>
    <select id="status" name="status"><option value="">All statuses</option>${statusOptions}</select></div>
  <div><button type="submit">Apply</button></div>
</form>
<p><a href="/orders/export.csv${escapeHtml(filterQuery(filter))}" data-testid="export-csv">Export CSV</a></p>
<table data-testid="orders-table">
<thead><tr><th>Order ID</th><th>Placed</th><th>Buyer</th><th>Status</th><th>Items</th><th>Total</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6" data-testid="no-orders">No orders match these filters</td></tr>'}
</tbody>
</table>
<nav class="pagination" data-testid="pagination">
  ${previous}
  <span data-testid="page-label">Page ${page} of ${totalPages}</span>
  <span data-testid="total-count">${total} ${total === 1 ? 'order' : 'orders'}</span>
  ${next}
</nav>
</main>`,
    options.username,
  );
}

function orderRow(order: Order): string {
  const placed = order.created_at.slice(0, 16).replace('T', ' ');
  return `<tr data-testid="order-row" id="order-${escapeHtml(order.id)}" data-order-id="${escapeHtml(order.id)}"
  data-created-at="${escapeHtml(order.created_at)}" data-status="${order.status}" data-items="${order.items}"
  data-total-cents="${order.total_cents}" data-currency="${escapeHtml(order.currency)}">
  <td data-field="id">${escapeHtml(order.id)}</td>
  <td data-field="created_at"><time datetime="${escapeHtml(order.created_at)}">${escapeHtml(placed)} UTC</time></td>
  <td data-field="buyer">${escapeHtml(order.buyer)}</td>
  <td data-field="status">${STATUS_LABELS[order.status]}</td>
  <td data-field="items">${order.items}</td>
  <td data-field="total">${escapeHtml(order.currency)} ${formatCents(order.total_cents)}</td>
</tr>`;
}

export function messagePage(title: string, message: string): string {
  return layout(
    title,
    `<main data-testid="message"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main>`,
  );
}
