#!/usr/bin/env node
// A small static server for the built page: dist/ on 127.0.0.1 only, the right MIME types
// (application/wasm for streaming compilation), gzip for text and wasm (not for the
// weights, whose progress bar needs the real Content-Length), files named by their content
// (web/asset-names.js: the wasm, its glue, the weights and side files) sent `immutable`, so a
// second visit asks for none of them, and every other file revalidated (ETag), so a rebuilt
// page is picked up on reload.
//
//   node scripts/serve.mjs [dir=dist] [port=8080]
//
// Also imported by the end-to-end test and the benchmark (serve(dir, 0) picks a free port).
// Opt-in, for the ONNX Runtime Web benchmark (scripts/bench-ort-web.mjs):
// serve(dir, port, host, { isolated: true, mounts: { '/ort/': 'node_modules/...' } }) adds the
// cross-origin isolation headers (COOP same-origin + COEP require-corp: SharedArrayBuffer,
// hence wasm threads) and serves other folders under URL prefixes, read in place.
// Opt-in, for the first-visit benchmark (scripts/bench-first-visit.mjs): `link: { bitsPerSecond,
// latencyMs }` sends every response over one shared link of that speed after that latency,
// and `onSent(url, status, bytes)` hears of every response. The throttle is the server's, not
// DevTools': the page's wasm and weights are fetched by its workers, whose requests a page's
// Network.emulateNetworkConditions does not slow. `plainHost: true` answers like a static
// host that sends no caching headers of its own (no ETag, every file `no-cache`): what the
// page's Cache API copy is for (tests/e2e/first-visit.test.mjs, the first-visit benchmark).

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { isContentHashed } from '../web/asset-names.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.safetensors': 'application/octet-stream',
  '.onnx': 'application/octet-stream',
};
const COMPRESS = new Set(['.html', '.js', '.mjs', '.css', '.wasm', '.json', '.svg']);

// What cross-origin isolation needs; every file here is same-origin, so require-corp holds.
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// The file under `root` for a URL path, or null if it would leave `root`.
function inside(root, rel) {
  const path = normalize(join(root, rel));
  return path === root || path.startsWith(root + sep) ? path : null;
}

/**
 * A `link` from the scripts' MBIT:MS spelling: '20:40' -> 20 Mbit/s after 40 ms; 'none' ->
 * null (unthrottled). `flag` names the option in the error.
 * @param {string} spec
 * @param {string} flag
 */
export function parseLink(spec, flag) {
  if (spec === 'none') return null;
  const [mbit, ms] = spec.split(':').map(Number);
  if (!(mbit > 0) || !(ms >= 0)) throw new Error(`${flag}: "${spec}" is not MBIT:MS or none`);
  return { bitsPerSecond: mbit * 1e6, latencyMs: ms };
}

export function serve(dir, port = 8080, host = '127.0.0.1', { isolated = false, mounts = {}, link = null, onSent = null, plainHost = false } = {}) {
  const root = resolve(dir);
  // Longest prefix first, so '/a/b/' wins over '/a/'.
  const mounted = Object.entries(mounts)
    .map(([prefix, folder]) => [prefix, resolve(folder)])
    .sort((a, b) => b[0].length - a[0].length);
  const cache = new Map(); // path -> { mtime, body, gzip, etag }
  let linkFreeAt = 0; // when the throttled link has sent everything queued so far

  // Writes `body` (or nothing) and ends, over the throttled link when there is one.
  function send(req, res, status, headers, body) {
    // What goes over the wire: the body and the status and header lines (a 304 is only those).
    const head = Object.entries(headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 17);
    onSent?.(req.url, status, (body ? body.length : 0) + head);
    if (!link) {
      res.writeHead(status, headers).end(body);
      return;
    }
    setTimeout(() => {
      res.writeHead(status, headers);
      const CHUNK = 16 * 1024;
      let at = 0;
      const next = () => {
        if (!body || at >= body.length) {
          res.end();
          return;
        }
        const part = body.subarray(at, at + CHUNK);
        at += part.length;
        const now = performance.now();
        linkFreeAt = Math.max(now, linkFreeAt) + (part.length * 8 * 1000) / link.bitsPerSecond;
        res.write(part);
        setTimeout(next, Math.max(0, linkFreeAt - now));
      };
      next();
    }, link.latencyMs);
  }

  async function load(path) {
    const info = await stat(path);
    if (!info.isFile()) return null;
    const hit = cache.get(path);
    if (hit && hit.mtime === info.mtimeMs) return hit;
    const body = await readFile(path);
    const entry = {
      mtime: info.mtimeMs,
      body,
      gzip: COMPRESS.has(extname(path)) ? gzipSync(body, { level: 9 }) : null,
      etag: `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`,
    };
    cache.set(path, entry);
    return entry;
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://localhost');
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const mount = mounted.find(([prefix]) => rel.startsWith(prefix));
      const path = mount ? inside(mount[1], rel.slice(mount[0].length)) : inside(root, rel);
      if (!path) {
        res.writeHead(403).end('forbidden');
        return;
      }
      let entry = null;
      try {
        entry = await load(path);
      } catch {
        entry = null;
      }
      if (!entry) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const immutable = isContentHashed(path) && !plainHost;
      const headers = {
        'Content-Type': TYPES[extname(path)] || 'application/octet-stream',
        // A content-hashed name never changes meaning: keep it for a year without asking again.
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...(plainHost ? {} : { ETag: entry.etag }),
        ...(isolated ? ISOLATION_HEADERS : {}),
      };
      if (!plainHost && req.headers['if-none-match'] === entry.etag) {
        send(req, res, 304, headers, null);
        return;
      }
      const gzip = entry.gzip && /\bgzip\b/.test(req.headers['accept-encoding'] || '');
      const body = gzip ? entry.gzip : entry.body;
      if (gzip) {
        headers['Content-Encoding'] = 'gzip';
        headers.Vary = 'Accept-Encoding';
      }
      headers['Content-Length'] = body.length;
      send(req, res, 200, headers, req.method === 'HEAD' ? null : body);
    } catch (err) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err));
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({ server, url: `http://${host}:${actual}/` });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2] || 'dist';
  const port = Number(process.argv[3] || process.env.PORT || 8080);
  try {
    await stat(join(dir, 'index.html'));
  } catch {
    console.error(`${dir}/index.html not found: build the page first (trunk build --release)`);
    process.exit(1);
  }
  const { url } = await serve(dir, port);
  console.log(`Serving ${dir}/ at ${url}  (Ctrl-C to stop)`);
}
