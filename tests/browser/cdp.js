// Headless Chromium over the DevTools protocol through a pipe (--remote-debugging-pipe:
// no port, no WebSocket library, works with any Node). Shared by the browser drivers
// (drive.js, triage.js) of tests/integration/queue.rs.
'use strict';
const { spawn } = require('child_process');

// Starts chromium with a fresh profile and opens one page; resolves to helpers bound to
// it. Any failed check kills the browser and exits 1 with a message on stderr.
async function start(chromium, profile, timeoutMs) {
  const chrome = spawn(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run',
    '--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const toChrome = chrome.stdio[3];
  const fromChrome = chrome.stdio[4];

  function fail(msg) {
    process.stderr.write('browser driver: ' + msg + '\n');
    try { chrome.kill('SIGKILL'); } catch (e) { /* already gone */ }
    process.exit(1);
  }
  const timer = setTimeout(() => fail('timed out after ' + timeoutMs / 1000 + ' s'), timeoutMs);

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

  // The next event `method` for which `pred(params)` holds.
  function once(method, pred) {
    return new Promise((resolve) => {
      const l = (msg) => {
        if (msg.method === method && (!pred || pred(msg.params))) {
          listeners.splice(listeners.indexOf(l), 1);
          resolve(msg.params);
        }
      };
      listeners.push(l);
    });
  }

  function check(cond, what) { if (!cond) fail('check failed: ' + what); }

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
  // A real key press, as the keyboard would send it to the focused element; `shift`
  // holds Shift (a letter then arrives in upper case, as from a keyboard).
  const CODES = { ArrowDown: 40, ArrowUp: 38, Escape: 27 };
  async function key(k, shift) {
    const named = CODES[k] !== undefined;
    const vk = named ? CODES[k] : k.toUpperCase().charCodeAt(0);
    if (shift && !named) k = k.toUpperCase();
    const base = { key: k, windowsVirtualKeyCode: vk, nativeVirtualKeyCode: vk, modifiers: shift ? 8 : 0 };
    if (named) base.code = k;
    else if (/^[a-zA-Z]$/.test(k)) base.code = 'Key' + k.toUpperCase();
    await s('Input.dispatchKeyEvent', Object.assign({ type: 'keyDown', text: named ? undefined : k }, base));
    await s('Input.dispatchKeyEvent', Object.assign({ type: 'keyUp' }, base));
  }
  async function close() {
    clearTimeout(timer);
    await send('Browser.close').catch(() => {});
  }
  return { send, s, once, js, key, load, check, fail, close, exceptions };
}

module.exports = { start };
