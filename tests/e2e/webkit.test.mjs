// The built page (dist/) in WebKitGTK's MiniBrowser (Debian's webkit2gtk-driver), driven over
// WebDriver classic (webkit.mjs), served on 127.0.0.1: a Safari-engine visitor, on the CPU
// backend (WebKitGTK offers no WebGPU). The visitor suite of visitor.mjs, the same checks as
// Firefox's. MiniBrowser needs an X display:
//
//   xvfb-run -a node --test tests/e2e/webkit.test.mjs      # REALNVP_BIN, E2E_OUT as for page.test.mjs
//
// WebKitGTK reports navigator.hardwareConcurrency 4 on a 2-core machine: the page's core test
// must keep it to the cores there are (checks.mjs assertWorkersMeasured).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer } from './harness.mjs';
import { writeInputs } from './inputs.mjs';
import { visitorSuite } from './visitor.mjs';
import { inputsContext, launchWebKit, openWebKitPage } from './webkit.mjs';

let server;
let base;
const serverErrors = [];
let webkit;

before(async () => {
  ({ server, url: base } = await startServer('dist'));
  server.on('request', (req, res) => res.on('finish', () => {
    if (res.statusCode >= 400) serverErrors.push(`${res.statusCode} ${req.url}`);
  }));
  webkit = await launchWebKit();
  console.log(`     ${webkit.session.version}`);
  await writeInputs(inputsContext(webkit.session)); // the test images, drawn and encoded by WebKit
});

after(async () => {
  await webkit?.quit();
  server?.close();
});

visitorSuite('webkit', () => openWebKitPage(webkit.session, `${base}?n=4`), { reason: /this browser does not offer WebGPU/i });

test('the server answered no request with an error', () => assert.deepEqual(serverErrors, []));
