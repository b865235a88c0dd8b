// The built page (dist/) in headless Firefox ESR (Debian's firefox-esr), driven by
// puppeteer-core over WebDriver BiDi, served on 127.0.0.1: a Firefox visitor lands on the CPU
// backend (no WebGPU in Linux Firefox by default). Two profiles: Firefox as it ships (the
// whole visitor suite, visitor.mjs), and with dom.webgpu.enabled on a machine without a
// graphics adapter (the page falls back and says so in a sentence, wgpu's text folded away).
// Run by scripts/test.sh after the Chromium test:
//
//   node --test tests/e2e/firefox.test.mjs      # REALNVP_BIN, E2E_OUT as for page.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inputsContext, launchFirefox, openFirefoxPage } from './firefox.mjs';
import { startServer } from './harness.mjs';
import { writeInputs } from './inputs.mjs';
import { visitorSuite } from './visitor.mjs';

let server;
let base;
const serverErrors = [];
const browsers = {};

before(async () => {
  ({ server, url: base } = await startServer('dist'));
  server.on('request', (req, res) => res.on('finish', () => {
    if (res.statusCode >= 400) serverErrors.push(`${res.statusCode} ${req.url}`);
  }));
  browsers.plain = await launchFirefox();
  console.log(`     ${await browsers.plain.version()}`);
  await writeInputs(inputsContext(browsers.plain)); // the test images, drawn and encoded by Firefox
});

after(async () => {
  for (const browser of Object.values(browsers)) await browser.close();
  server?.close();
});

visitorSuite('firefox', () => openFirefoxPage(browsers.plain, `${base}?n=4`), {
  reason: /this browser does not offer WebGPU/i,
});

// A profile of its own: the pref is read when Firefox starts.
visitorSuite('firefox, WebGPU on, no adapter', async () => {
  browsers.webgpu = await launchFirefox({ 'dom.webgpu.enabled': true });
  const opened = await openFirefoxPage(browsers.webgpu, `${base}?n=4`);
  assert.equal(await opened.page.evaluate(() => 'gpu' in navigator), true, 'dom.webgpu.enabled gives the page navigator.gpu');
  return opened;
}, {
  reason: /this browser has WebGPU switched on but found no graphics adapter it can use/i,
  detail: /adapter/i,
  full: false,
});

test('the server answered no request with an error', () => assert.deepEqual(serverErrors, []));
