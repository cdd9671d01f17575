/*
 * A tiny static server for the browser tests (node:http, loopback only).
 *
 * Serves the repository's dist/, test/runtimes/ and test/browser/ with the two headers that make a
 * page cross-origin isolated (so that it has SharedArrayBuffer):
 *   Cross-Origin-Opener-Policy: same-origin
 *   Cross-Origin-Embedder-Policy: require-corp
 * and the same files under /plain/ without them (a page that is not isolated).
 *
 * Pages report back with POST: /log (one progress line) and /result (a suite's summary). The
 * answer to /result is { next }: the URL of the page the browser should open next, or null.
 */

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const served = ['dist/', 'test/runtimes/', 'test/browser/'];
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};
export const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Starts the server on 127.0.0.1 (a free port). Returns { url, close, onLog, expect }:
 * expect(id) is a Promise of the body the page with ?run=<id> posts to /result, and setNext(id, url)
 * tells what that page should open afterwards.
 */
export async function startServer() {
  const waiting = new Map(); // run id -> { resolve, promise, next }
  const logListeners = [];
  const slot = (id) => {
    let s = waiting.get(id);
    if (s === undefined) {
      let resolve;
      const promise = new Promise((r) => {
        resolve = r;
      });
      s = { resolve, promise, next: null };
      waiting.set(id, s);
    }
    return s;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      let data;
      try {
        data = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (url.pathname === '/log') {
        for (const listener of logListeners) listener(data);
        res.writeHead(204).end();
      } else if (url.pathname === '/result') {
        const s = slot(String(data.run));
        s.resolve(data);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ next: s.next }));
      } else res.writeHead(404).end();
      return;
    }

    const plain = url.pathname.startsWith('/plain/');
    const path = normalize(
      decodeURIComponent(plain ? url.pathname.slice('/plain'.length) : url.pathname),
    ).slice(1);
    if (!served.some((prefix) => path.startsWith(prefix)) || path.includes('..')) {
      res.writeHead(404).end('not served');
      return;
    }
    try {
      const body = await readFile(root + path);
      res.writeHead(200, {
        'Content-Type': types[extname(path)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
        ...(plain ? {} : ISOLATION),
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
    onLog: (listener) => logListeners.push(listener),
    expect: (id) => slot(id).promise,
    setNext: (id, next) => {
      slot(id).next = next;
    },
  };
}
