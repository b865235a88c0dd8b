// WebKitGTK (Debian's webkit2gtk-driver: WebKitWebDriver driving MiniBrowser, which needs an X
// display: run under xvfb-run) through a small WebDriver classic client on node's fetch, and
// its page seen through the few Playwright Page calls the shared checks use (checks.mjs,
// harness.mjs, inputs.mjs), as firefox.mjs does for Firefox. No npm dependency: the protocol
// is a handful of JSON requests.
//
// Classic WebDriver has no console or page-error events: once a page has loaded, a script
// records uncaught errors, unhandled rejections and console.error calls in the page, and
// problems() reads them back (with the requests the browser saw fail, where WebKit says so).
// An error before the load event would stop the page from starting, which the checks see.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Starts the driver and a MiniBrowser session. Returns { session, quit }.
export async function launchWebKit() {
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=local'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => driver.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  const request = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await response.json();
    if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${value?.error}: ${value?.message}`);
    return value;
  };
  for (let i = 0; ; i++) { // the driver takes a moment to listen
    try {
      await request('GET', '/status');
      break;
    } catch (err) {
      if (i > 100) throw new Error(`${WEBKIT_DRIVER} did not answer on port ${port}: ${err.message}`);
      await sleep(100);
    }
  }
  const created = await request('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        // Automation sessions are ephemeral: nothing is cached between runs, as in a fresh profile.
        'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        timeouts: { script: 600_000, pageLoad: 300_000 },
      },
    },
  });
  const id = created.sessionId;
  const session = {
    version: `${created.capabilities.browserName} ${created.capabilities.browserVersion}`,
    call: (method, path, body) => request(method, `/session/${id}${path}`, body),
  };
  await session.call('POST', '/window/rect', { width: 1280, height: 900 });
  const quit = async () => {
    await session.call('DELETE', '').catch(() => {});
    driver.kill();
    await exited;
  };
  return { session, quit };
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // the W3C web element key

// Runs `body` in the page with `args` (WebDriver awaits a returned promise). Functions are
// sent as their source, as Playwright and puppeteer send them.
const exec = (session, body, args) => session.call('POST', '/execute/sync', { script: body, args });
const source = (fn) => `(${fn.toString()})`;

const find = async (session, selector) => (await session.call('POST', '/element', { using: 'css selector', value: selector }))[ELEMENT];

// In the page: the problems a visitor's console would show, from now on.
function recordProblems() {
  if (window.__problems) return;
  window.__problems = [];
  window.addEventListener('error', (e) => window.__problems.push(`page error: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) => window.__problems.push(`unhandled rejection: ${e.reason?.message ?? e.reason}`));
  const error = console.error.bind(console);
  console.error = (...args) => {
    window.__problems.push(`console error: ${args.map(String).join(' ')}`);
    error(...args);
  };
}

function readProblems() {
  // responseStatus: where WebKit reports it (the server's own log catches the rest).
  const failed = performance.getEntriesByType('resource')
    .filter((e) => e.responseStatus >= 400)
    .map((e) => `HTTP ${e.responseStatus}: ${e.name}`);
  return [...(window.__problems || []), ...failed];
}

/** The session's page with the Playwright Page calls the checks use. */
export function asPlaywrightPage(session) {
  const page = {
    $eval: (selector, fn, arg) => exec(session, 'const el = document.querySelector(arguments[0]); '
      + `if (!el) throw new Error('no element matches ' + arguments[0]); return ${source(fn)}(el, arguments[1]);`, [selector, arg ?? null]),
    $$eval: (selector, fn, arg) => exec(session, `return ${source(fn)}([...document.querySelectorAll(arguments[0])], arguments[1]);`, [selector, arg ?? null]),
    evaluate: (fn, arg) => exec(session, `return ${source(fn)}(arguments[0]);`, [arg ?? null]),
    // Polled from here: classic WebDriver has no waiting primitive.
    async waitForFunction(fn, arg, { timeout = 30_000, polling = 100 } = {}) {
      const until = Date.now() + timeout;
      for (;;) {
        const value = await page.evaluate(fn, arg);
        if (value) return value;
        if (Date.now() > until) throw new Error(`waitForFunction: ${fn.toString().slice(0, 120)} still false after ${timeout} ms`);
        await sleep(typeof polling === 'number' ? polling : 100);
      }
    },
    click: async (selector) => session.call('POST', `/element/${await find(session, selector)}/click`, {}),
    check: async (selector) => { if (!(await page.$eval(selector, (el) => el.checked))) await page.click(selector); },
    uncheck: async (selector) => { if (await page.$eval(selector, (el) => el.checked)) await page.click(selector); },
    // WebDriver's file upload: the file's path typed into the file input.
    setInputFiles: async (selector, file) => session.call('POST', `/element/${await find(session, selector)}/value`, { text: file }),
    screenshot: async ({ path }) => writeFileSync(path, Buffer.from(await session.call('GET', '/screenshot'), 'base64')),
    close: () => session.call('POST', '/url', { url: 'about:blank' }),
  };
  return page;
}

// Opens `url` and starts recording its problems. { page, problems: () => Promise<string[]> }.
export async function openWebKitPage(session, url) {
  await session.call('POST', '/url', { url });
  await exec(session, `${source(recordProblems)}();`, []);
  const page = asPlaywrightPage(session);
  return { page, problems: () => page.evaluate(readProblems) };
}

// What inputs.mjs writeInputs needs: pages to draw the test images in (the one window, blank).
export const inputsContext = (session) => ({
  newPage: async () => {
    await session.call('POST', '/url', { url: 'about:blank' });
    return { ...asPlaywrightPage(session), close: async () => {} };
  },
});
