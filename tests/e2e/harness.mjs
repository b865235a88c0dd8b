// Shared by the end-to-end tests (page.test.mjs; visitor.mjs for Firefox and WebKit uses the
// page-state helpers) and the page benchmark (scripts/bench-page.mjs): serve dist/ on
// 127.0.0.1, start headless Chromium with WebGPU (SwiftShader when there is no GPU), and read
// the page's state.

import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../scripts/serve.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The flags TOOLCHAIN.md found to give a working WebGPU adapter in headless Chromium, plus
// the ones that keep it off the (closed) network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export async function startServer(dir = 'dist') {
  return serve(dir, 0);
}

// A fresh profile each time: nothing cached, so a load is a cold load. `args`: more flags.
export async function launch(args = []) {
  const profile = mkdtempSync(join(tmpdir(), 'realnvp-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    viewport: { width: 1280, height: 900 },
  });
}

// Opens the page and collects console errors, page errors and failed requests (a missing
// /favicon.ico among them).
export async function openPage(context, url) {
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  return { page, problems };
}

// The page's errors as they come, in one list: a playwright or a puppeteer Page (their
// events are the same).
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  return problems;
}

// Presses Tab until the element with id `id` has the focus (keyboard focus, so :focus-visible
// applies); throws after `max` presses.
export async function tabTo(page, id, max = 40) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} never took the focus after ${max} presses of Tab`);
}

// The computed outline of an element (or of the element `selector` picks).
export async function outline(page, selector) {
  return page.$eval(selector, (el) => {
    const style = getComputedStyle(el);
    return { style: style.outlineStyle, width: style.outlineWidth };
  });
}

export const text = (page, id) => page.$eval(`#${id}`, (el) => el.textContent.trim());

export async function waitForBackend(page, timeout) {
  await page.waitForFunction(() => /webgpu|cpu/.test(document.getElementById('backend').textContent), null, { timeout });
  return text(page, 'backend');
}

export async function waitReady(page, timeout) {
  await page.waitForFunction(() => window.realnvp?.ready === true, null, { timeout, polling: 250 });
}

// Ms from navigation until the first tile of the grid holds a face: any of its pixels drawn
// (opaque) and not the white gap. Polled every `polling` ms (the benchmarks' first-face test).
export async function waitFirstFace(page, timeout, polling) {
  const handle = await page.waitForFunction(() => {
    const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('samples'));
    const side = Math.min(canvas.width, 66);
    const data = canvas.getContext('2d').getImageData(0, 0, side, side).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 255 && (data[i] !== 255 || data[i + 1] !== 255 || data[i + 2] !== 255)) return performance.now();
    }
    return false;
  }, null, { timeout, polling });
  return handle.jsonValue();
}

async function generation(page, id) {
  return page.$eval(`#${id}`, (el) => Number(el.dataset.generation || 0));
}

// Clicks a button and waits until its canvas has finished one more grid.
export async function runGrid(page, button, canvas, timeout) {
  const before = await generation(page, canvas);
  await page.click(`#${button}`);
  await page.waitForFunction(
    ([id, n]) => Number(document.getElementById(id).dataset.generation || 0) > n,
    [canvas, before],
    { timeout, polling: 100 },
  );
}

// Pixel statistics of a canvas: mean and standard deviation of all sub-pixels, the number
// of distinct colours, and the fraction of white pixels (the grid's gaps are white).
export async function canvasStats(page, id) {
  return page.$eval(`#${id}`, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let sq = 0;
    let white = 0;
    const colours = new Set();
    const pixels = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      sum += r + g + b;
      sq += r * r + g * g + b * b;
      if (r === 255 && g === 255 && b === 255) white++;
      colours.add((r << 16) | (g << 8) | b);
    }
    const mean = sum / (3 * pixels);
    return {
      width: canvas.width,
      height: canvas.height,
      mean,
      std: Math.sqrt(sq / (3 * pixels) - mean * mean),
      colours: colours.size,
      white: white / pixels,
    };
  });
}

export async function canvasHash(page, id) {
  return page.$eval(`#${id}`, (canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let h = 2166136261;
    for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 16777619) >>> 0;
    return h;
  });
}

export async function metrics(page) {
  return page.evaluate(() => JSON.parse(JSON.stringify(window.realnvp.metrics)));
}

// The wasm limits and defaults as the page uses them (web/metrics.js), once its first worker
// has said them.
export async function pageLimits(page, timeout) {
  await page.waitForFunction(() => window.realnvp?.metrics?.limits, null, { timeout, polling: 100 });
  return (await metrics(page)).limits;
}

// RGBA pixels, { width, height, data: number[] }: of a PNG file, decoded by the browser, or
// of a canvas of the page.
export async function pngPixels(page, file) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return { width: img.width, height: img.height, data: Array.from(ctx.getImageData(0, 0, img.width, img.height).data) };
  }, readFileSync(file).toString('base64'));
}

export async function canvasPixels(page, id) {
  return page.$eval(`#${id}`, (canvas) => ({
    width: canvas.width,
    height: canvas.height,
    data: Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data),
  }));
}

// The longest the page's main thread was blocked (gap between 16 ms timer ticks beyond the
// tick itself) while `action` runs.
export async function mainThreadBlockedMs(page, action) {
  await page.evaluate(() => {
    window.__lag = { max: 0, last: performance.now(), timer: 0 };
    window.__lag.timer = setInterval(() => {
      const now = performance.now();
      window.__lag.max = Math.max(window.__lag.max, now - window.__lag.last - 16);
      window.__lag.last = now;
    }, 16);
  });
  await action();
  return page.evaluate(() => {
    clearInterval(window.__lag.timer);
    return Math.round(window.__lag.max);
  });
}

// Whether a visitor sees the element: rendered (no display: none on it or above it), not
// visibility-hidden, and of some size. The `hidden` attribute alone proves nothing: a CSS
// display rule beat it once and kept the bits-map overlay on screen while the test passed.
export const SEEN = (el) => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return el.checkVisibility() && style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
};

export function shown(page, selector) {
  return page.$eval(selector, SEEN);
}
