// Drives the review page in headless Chromium through the DevTools protocol over a pipe
// (--remote-debugging-pipe: no port, no WebSocket library, works with any Node). Used by
// the browser test in tests/integration/queue.rs; it clicks and types like a moderator.
//
//   node drive.js CHROMIUM FILE_URL PROFILE_DIR EXPECTED_ITEMS
//
// Prints one JSON object {csv_before, csv_after, violations} on stdout; exits 1 with a
// message on the first failed check.
'use strict';
const { spawn } = require('child_process');

const [chromium, url, profile, expectedItems] = process.argv.slice(2);
const chrome = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toChrome = chrome.stdio[3];
const fromChrome = chrome.stdio[4];

const timer = setTimeout(() => fail('timed out after 60 s'), 60000);
function fail(msg) {
  process.stderr.write('drive.js: ' + msg + '\n');
  try { chrome.kill('SIGKILL'); } catch (e) { /* already gone */ }
  process.exit(1);
}

// Protocol plumbing: NUL-separated JSON messages, replies matched by id, events queued.
let nextId = 0;
const pending = new Map();
const listeners = [];
const exceptions = [];
let buf = Buffer.alloc(0);
fromChrome.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  let i;
  while ((i = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, i).toString('utf8'));
    buf = buf.subarray(i + 1);
    if (msg.id !== undefined && pending.has(msg.id)) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve(msg.result);
    } else if (msg.method) {
      if (msg.method === 'Runtime.exceptionThrown') exceptions.push(msg.params.exceptionDetails);
      for (const l of listeners.slice()) l(msg);
    }
  }
});
chrome.on('exit', (code) => { if (pending.size) fail('chromium exited (' + code + ')'); });

function send(method, params, sessionId) {
  const msg = { id: ++nextId, method, params: params || {} };
  if (sessionId) msg.sessionId = sessionId;
  toChrome.write(JSON.stringify(msg) + '\0');
  return new Promise((resolve, reject) => pending.set(msg.id, { resolve, reject }));
}

function once(method) {
  return new Promise((resolve) => {
    const l = (msg) => {
      if (msg.method === method) {
        listeners.splice(listeners.indexOf(l), 1);
        resolve(msg.params);
      }
    };
    listeners.push(l);
  });
}

function check(cond, what) { if (!cond) fail('check failed: ' + what); }

(async () => {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const s = (method, params) => send(method, params, sessionId);
  await s('Page.enable');
  await s('Runtime.enable');
  // Runs before the page's own script and is not subject to its CSP: records any policy
  // violation (an injected script or handler that escaping let through would be one).
  await s('Page.addScriptToEvaluateOnNewDocument', {
    source: "window.__violations = []; document.addEventListener('securitypolicyviolation'," +
      " function (e) { window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); });",
  });

  async function load(u) {
    const loaded = once('Page.loadEventFired');
    await s('Page.navigate', { url: u });
    await loaded;
  }
  async function js(expression) {
    const r = await s('Runtime.evaluate', { expression, returnByValue: true });
    if (r.exceptionDetails) fail('evaluating ' + expression + ': ' + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  }
  const visible = () => js("document.body.getAttribute('data-visible-count')");

  await load(url + '#apercu-csv');
  const n = String(expectedItems);
  check(await js("document.body.getAttribute('data-rendered-count')") === n, 'rendered count is ' + n);
  check(await js('document.title') === 'tamis — file de modération', 'title intact');
  check(await js("document.querySelector('[data-pwned], #pwned, img, svg, iframe, object, embed') === null"),
    'no injected element');
  check(await js('document.scripts.length') === 2, 'only the page\'s own two scripts');
  const csvBefore = await js("document.getElementById('csv-preview').textContent");

  // Decide: remove the first item with a note that looks like a formula; keep the
  // second then take it back.
  await js("document.querySelector('#q-1 button.remove').click()");
  check(await js("document.getElementById('q-1').getAttribute('data-decision')") === 'remove', 'q-1 removed');
  check(await js("document.querySelector('#q-1 button.remove').getAttribute('aria-pressed')") === 'true', 'remove pressed');
  await js("(function () { var i = document.querySelector('#q-1 input.note'); i.value = '=HYPERLINK(\"x\")';" +
    " i.dispatchEvent(new Event('input', { bubbles: true })); }())");
  if (Number(n) > 1) {
    await js("document.querySelector('#q-2 button.keep').click()");
    check(await js("document.getElementById('q-2').getAttribute('data-decision')") === 'keep', 'q-2 kept');
    await js("document.querySelector('#q-2 button.keep').click()");
    check(await js("document.getElementById('q-2').getAttribute('data-decision')") === '', 'q-2 taken back');
  }

  // "masquer les décidés" is on by default: the removed item is out of view; turning
  // it off brings it back. A threshold of 1 hides (nearly) all.
  check(await js("document.getElementById('f-hide-decided').checked") === true, 'hide-decided on by default');
  check(await visible() === String(Number(n) - 1), 'decided item hidden');
  check(await js("document.getElementById('q-1').hidden") === true, 'q-1 hidden once decided');
  await js("(function () { var c = document.getElementById('f-hide-decided'); c.checked = false;" +
    " c.dispatchEvent(new Event('change')); }())");
  check(await visible() === n, 'decided item shown again');
  await js("(function () { var r = document.getElementById('f-threshold');" +
    " r.value = '1'; r.dispatchEvent(new Event('input')); }())");
  const above = await js("Array.prototype.filter.call(document.querySelectorAll('li.item')," +
    " function (li) { return parseFloat(li.getAttribute('data-score')) >= 1; }).length");
  check(await visible() === String(above), 'threshold slider filters');

  // Pending decisions survive a reload (localStorage), and the download has them.
  await load('about:blank');
  await load(url + '#apercu-csv');
  check(await js("document.getElementById('q-1').getAttribute('data-decision')") === 'remove', 'decision kept after reload');
  check(await js("document.querySelector('#q-1 input.note').value") === '=HYPERLINK("x")', 'note kept after reload');
  const csvAfter = await js("document.getElementById('csv-preview').textContent");
  const violations = await js('window.__violations');
  check(exceptions.length === 0, 'no script error: ' + JSON.stringify(exceptions));

  process.stdout.write(JSON.stringify({ csv_before: csvBefore, csv_after: csvAfter, violations }) + '\n');
  clearTimeout(timer);
  await send('Browser.close').catch(() => {});
  process.exit(0);
})().catch((e) => fail(String(e && e.stack || e)));
