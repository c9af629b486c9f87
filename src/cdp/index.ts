// Chrome DevTools Protocol: waiting for a browser's CDP endpoint and attaching Playwright to it.
export * from './wait-for-cdp';
export * from './attach';
export * from './kept-connections';
export * from './fresh-tab';
