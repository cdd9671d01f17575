/*
 * Runs weft's contract in real browsers (npm run test:browser; run.sh installs them and builds):
 * headless Chromium (Debian's, driven by playwright-core) and headless Firefox ESR (Debian's,
 * started directly with a fresh profile: playwright-core's firefox needs Playwright's own build).
 *
 * Each browser opens a chain of pages; each page posts its summary to the server, which answers
 * with the next page to open:
 *   main         the page's main thread plays "main" (async forms), scenarios in module workers
 *   main-helper  the same with Atomics.waitAsync removed before weft loads: weft's fallback, helper workers
 *   main-poll    the same with the fallback's last resort forced: polling
 *   worker       a module worker plays "main" (blocking allowed), scenarios in nested workers
 *   worker-helper  the same, helper fallback
 *   plain        a page without the isolation headers: every constructor throws SharedMemoryError
 * Prints per-browser results, writes results.json, ends with "N passed, N failed".
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';

const SUITE_TIMEOUT_MS = 120_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.search.update': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'dom.max_script_run_time': 0,
};

const suites = [
  { name: 'main', query: 'where=main' },
  { name: 'main-helper', query: 'where=main&fallback=helper' },
  { name: 'main-poll', query: 'where=main&fallback=poll' },
  { name: 'worker', query: 'where=worker' },
  { name: 'worker-helper', query: 'where=worker&fallback=helper' },
  { name: 'plain', path: '/plain/test/browser/plain.html' },
];

const server = await startServer();
const verbose = process.argv.includes('--verbose');
server.onLog(({ run, line }) => {
  if (verbose || /FAIL/.test(line)) console.log(`  [${run}] ${line}`);
});

function chain(browser) {
  const urls = suites.map((s) => {
    const run = `${browser}-${s.name}`;
    const path = s.path ?? '/test/browser/index.html';
    return { suite: s.name, run, url: `${server.url}${path}?${s.query ? `${s.query}&` : ''}run=${run}` };
  });
  for (const [i, u] of urls.entries()) server.setNext(u.run, urls[i + 1]?.url ?? null);
  return urls;
}

let passed = 0;
let failed = 0;
const matrix = [];

/** Waits for each page of the chain in turn; returns the summaries (a timeout ends the chain). */
async function collect(browser, urls, started) {
  const results = [];
  for (const u of urls) {
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(undefined), SUITE_TIMEOUT_MS);
    });
    const r = await Promise.race([server.expect(u.run), timeout]);
    clearTimeout(timer);
    if (r === undefined) {
      console.log(`  FAIL ${browser} ${u.suite}: no result within ${SUITE_TIMEOUT_MS / 1000} s`);
      failed++;
      results.push({ suite: u.suite, passed: 0, failed: 1, timedOut: true });
      break;
    }
    passed += r.passed;
    failed += r.failed;
    for (const t of r.tests.filter((t) => !t.ok))
      console.log(`  FAIL ${browser} ${u.suite}: ${t.name}: ${t.error}`);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`  ${u.suite.padEnd(14)} ${r.passed} passed, ${r.failed} failed (at ${secs} s)`);
    results.push({ suite: u.suite, ...r });
  }
  return results;
}

function summarise(browser, version, results, started) {
  const by = Object.fromEntries(results.map((r) => [r.suite, r]));
  const yes = (ok) => (ok ? 'yes' : 'no');
  const clean = (r) => r !== undefined && r.failed === 0;
  matrix.push({
    browser,
    version,
    blockingWaits: yes(clean(by.worker) && by.worker.blockingWaits === true),
    blockingOnMainThread: 'no (CannotBlockError)',
    asyncWaits: yes(clean(by.main) && by.main.asyncWaits === true),
    engineHasWaitAsync: by.main?.engineHasWaitAsync ?? null,
    asyncWaitsFallback: yes(clean(by['main-helper']) && clean(by['main-poll']) && clean(by['worker-helper'])),
    thread: yes(clean(by.main) && by.main.thread === true && by.worker?.thread === true),
    threadWorker: 'module Web Worker',
    notIsolated: clean(by.plain) ? 'SharedMemoryError naming both headers' : 'FAILED',
    passed: results.reduce((n, r) => n + r.passed, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  });
}

async function runChromium() {
  const started = performance.now();
  console.log('\n== Chromium (playwright-core, /usr/bin/chromium)');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`  [chromium] page error: ${error.message}`));
    const urls = chain('chromium');
    await page.goto(urls[0].url);
    const results = await collect('chromium', urls, started);
    summarise('Chromium', browser.version(), results, started);
  } finally {
    await browser.close();
  }
}

function firefoxVersion() {
  return new Promise((resolve) => {
    const p = spawn('firefox-esr', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.on('close', () => resolve(out.trim().replace(/^Mozilla Firefox /, '')));
    p.on('error', () => resolve(null));
  });
}

async function runFirefox() {
  const started = performance.now();
  console.log('\n== Firefox ESR (firefox-esr --headless, fresh profile)');
  const version = await firefoxVersion();
  const profile = mkdtempSync(join(tmpdir(), 'weft-firefox-'));
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(FIREFOX_PREFS)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`)
      .join(''),
  );
  const urls = chain('firefox');
  const child = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, urls[0].url], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  try {
    const results = await Promise.race([
      collect('firefox', urls, started),
      exited.then((code) => {
        throw new Error(`firefox-esr exited early (code ${code}): ${stderr}`);
      }),
    ]);
    summarise('Firefox ESR', version, results, started);
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
    rmSync(profile, { recursive: true, force: true });
  }
}

const t0 = performance.now();
for (const [name, fn] of [
  ['Chromium', runChromium],
  ['Firefox ESR', runFirefox],
]) {
  try {
    await fn();
  } catch (error) {
    console.log(`  FAIL ${name}: ${error?.message ?? error}`);
    failed++;
  }
}
await server.close();

console.log('\nbrowser       version           blocking (worker)  async (main)  fallback  Thread  contract');
for (const m of matrix) {
  console.log(
    [
      m.browser.padEnd(13),
      String(m.version).padEnd(17),
      m.blockingWaits.padEnd(18),
      m.asyncWaits.padEnd(13),
      m.asyncWaitsFallback.padEnd(9),
      m.thread.padEnd(7),
      `${m.passed} passed, ${m.failed} failed, ${m.seconds} s`,
    ].join(' '),
  );
}
const results = {
  date: new Date().toISOString(),
  note: 'blockingWaits: Atomics.wait in module workers (a browser main thread cannot block: CannotBlockError); asyncWaits: Promise forms on the main thread with the engine Atomics.waitAsync; asyncWaitsFallback: the same with Atomics.waitAsync removed before weft loads (helper workers, and polling forced); thread: weft Thread on module Web Workers.',
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  browsers: matrix,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote test/browser/results.json (${results.seconds} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
