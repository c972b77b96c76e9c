// Drives the review page in headless Chromium through the DevTools protocol (cdp.js).
// Used by the hostile-text browser test in tests/integration/queue.rs; it clicks and
// types like a moderator.
//
//   node drive.js CHROMIUM FILE_URL PROFILE_DIR EXPECTED_ITEMS
//
// Prints one JSON object {csv_before, csv_after, violations} on stdout; exits 1 with a
// message on the first failed check.
'use strict';
const { start } = require('./cdp');

const [chromium, url, profile, expectedItems] = process.argv.slice(2);

(async () => {
  const { js, load, check, close, exceptions } = await start(chromium, profile, 60000);
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
  await close();
  process.exit(0);
})().catch((e) => {
  process.stderr.write('drive.js: ' + String(e && e.stack || e) + '\n');
  process.exit(1);
});
