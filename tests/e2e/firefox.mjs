// Firefox through puppeteer-core over WebDriver BiDi: launched headless in a fresh profile,
// and its Page seen through the few Playwright Page calls the shared checks use (checks.mjs,
// harness.mjs, inputs.mjs), so that every check has one source whichever browser runs it.
// Only the calls that differ are translated: puppeteer takes waitForFunction's options before
// the argument, uploads through an element handle, and has no check/uncheck.

import puppeteer from 'puppeteer-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchProblems } from './harness.mjs';

export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

// Beyond puppeteer's own test profile (no updates, telemetry, safe browsing, first-run pages):
// the services that would still knock on the closed network.
const QUIET_PREFS = {
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.region.network.url': '',
  'browser.topsites.contile.enabled': false,
  'extensions.systemAddon.update.enabled': false,
};

// Headless Firefox in a fresh profile. `prefs`: more about:config preferences (dom.webgpu.enabled).
export function launchFirefox(prefs = {}) {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    userDataDir: mkdtempSync(join(tmpdir(), 'realnvp-firefox-')),
    extraPrefsFirefox: { ...QUIET_PREFS, ...prefs },
    defaultViewport: { width: 1280, height: 900 },
  });
}

/** @param {import('puppeteer-core').Page} page */
export function asPlaywrightPage(page) {
  const checked = (selector) => page.$eval(selector, (el) => el.checked);
  return {
    raw: page,
    $eval: (selector, fn, arg) => page.$eval(selector, fn, arg),
    $$eval: (selector, fn, arg) => page.$$eval(selector, fn, arg),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    waitForFunction: (fn, arg, { timeout, polling = 'raf' } = {}) => page.waitForFunction(fn, { timeout, polling }, arg),
    click: (selector) => page.click(selector),
    check: async (selector) => { if (!(await checked(selector))) await page.click(selector); },
    uncheck: async (selector) => { if (await checked(selector)) await page.click(selector); },
    setInputFiles: async (selector, file) => {
      const input = await page.$(selector);
      await input.uploadFile(file);
      await input.dispose();
    },
    screenshot: (options) => page.screenshot(options),
    close: () => page.close(),
  };
}

// Opens `url` in a new tab and collects what the Chromium test collects (harness.mjs openPage):
// page errors, console errors, failed requests.
export async function openFirefoxPage(browser, url) {
  const page = await browser.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  return { page: asPlaywrightPage(page), problems };
}

// What inputs.mjs writeInputs needs of a browser: fresh pages to draw the test images in.
export const inputsContext = (browser) => ({ newPage: async () => asPlaywrightPage(await browser.newPage()) });
