// A moderator's keyboard-and-mouse session on the review page of
// tests/fixtures/queue_triage.txt (30 comments, one thread of replies, an author with
// four comments), in headless Chromium (cdp.js). Used by tests/integration/queue.rs.
//
//   node triage.js CHROMIUM FILE_URL PROFILE_DIR triage [SHOT_DIR]
//       keyboard moves and decisions, undo, help, bulk selection, sub-thread decisions,
//       "masquer les décidés", the author filter; prints {violations}; screenshots in
//       SHOT_DIR.
//   node triage.js CHROMIUM FILE_URL PROFILE_DIR retrain DOWNLOAD_DIR
//       decides against the model's call (keeps the 3 least sure flagged items, removes 3
//       passed ones) and with it once (removes the top one), by keys and clicks, then
//       clicks the download button;
//       prints {decided: {key: decision}, file, preview, violations}.
//
// Exits 1 with a message on the first failed check.
'use strict';
const fs = require('fs');
const path = require('path');
const { start } = require('./cdp');

const [chromium, url, profile, mode, downloadDir] = process.argv.slice(2);

(async () => {
  const b = await start(chromium, profile, 90000);
  const { js, key, load, check, exceptions } = b;
  const visible = async () => Number(await js("document.body.getAttribute('data-visible-count')"));
  const decided = async () => Number(await js("document.body.getAttribute('data-decided-count')"));
  const currentId = () => js("(function () { var c = document.querySelectorAll('li.item.current');" +
    " return c.length === 1 && c[0].getAttribute('aria-current') === 'true' ? c[0].id : 'none:' + c.length; }())");
  const decisionOf = (id) => js("document.getElementById('" + id + "').getAttribute('data-decision')");
  const click = (sel) => js("document.querySelector(" + JSON.stringify(sel) + ").click()");
  // The list's visible items, in order, as ids.
  const shownIds = () => js("Array.prototype.filter.call(document.querySelectorAll('li.item')," +
    " function (li) { return !li.hidden; }).map(function (li) { return li.id; })");

  await load(url);
  const total = Number(await js("document.body.getAttribute('data-rendered-count')"));

  if (mode === 'triage') {
    check(total === 30, 'all 30 comments queued (--all): ' + total);
    check(await visible() === 30, 'all visible at first');
    // Sources are shown relative to the directory given to tamis queue.
    check(await js("document.querySelector('#q-1 .where .source').textContent") === 'sub/vierzac.txt',
      'relative source: ' + await js("document.querySelector('#q-1 .where .source').textContent"));

    // Moving: j, j, k, ArrowDown, ArrowUp; the current item has the focus.
    check(await currentId() === 'none:0', 'no current item before the first key');
    await key('g');
    check(await currentId() === 'q-1' && await decided() === 0, 'g without a current item only focuses q-1');
    check(await currentId() === 'q-1', 'the first item is current');
    check(await js('document.activeElement.id') === 'q-1', 'the current item has the focus');
    await key('j');
    check(await currentId() === 'q-2', 'j goes down');
    await key('k');
    check(await currentId() === 'q-1', 'k goes up');
    await key('ArrowDown');
    check(await currentId() === 'q-2', 'ArrowDown goes down');
    await key('ArrowUp');
    check(await currentId() === 'q-1', 'ArrowUp goes up');
    await key('k');
    check(await currentId() === 'q-1', 'k at the top stays');

    // g keeps, s removes, each then moves to the next undecided visible item; decided
    // items leave the list ("masquer les décidés" is on by default).
    check(await js("document.getElementById('f-hide-decided').checked") === true, 'hide decided on by default');
    await key('g');
    check(await decisionOf('q-1') === 'keep', 'g keeps q-1');
    check(await js("document.getElementById('q-1').hidden") === true, 'kept item hidden');
    check(await currentId() === 'q-2', 'g moves on to q-2');
    await key('s');
    check(await decisionOf('q-2') === 'remove', 's removes q-2');
    check(await currentId() === 'q-3', 's moves on to q-3');
    check(await visible() === 28 && await decided() === 2, 'counters: 28 shown, 2 decided');
    check((await js("document.getElementById('counter').textContent")) === '28 affichés sur 30 · 2 décidés · 28 à décider',
      'counter text: ' + await js("document.getElementById('counter').textContent"));
    // The toggle off shows decided items again; on hides them.
    await click('#f-hide-decided');
    check(await visible() === 30 && await decided() === 2, 'toggle off: decided items shown');
    await click('#f-hide-decided');
    check(await visible() === 28, 'toggle on: hidden again');

    // u undoes, most recent first, several levels; an empty stack does nothing.
    await key('u');
    check(await decisionOf('q-2') === '' && await decisionOf('q-1') === 'keep', 'u undoes the removal');
    check(await currentId() === 'q-2', 'undo brings the focus back to q-2');
    await key('u');
    check(await decisionOf('q-1') === '', 'second u undoes the keep');
    await key('u');
    check(await decided() === 0 && await visible() === 30, 'nothing left to undo');

    // ? opens the help, Escape closes it.
    check(await js("document.getElementById('help').hidden") === true, 'help hidden at first');
    await key('?');
    check(await js("document.getElementById('help').hidden") === false, '? opens the help');
    await key('g');
    check(await decided() === 0, 'nothing is decided behind the help panel');
    await key('Escape');
    check(await js("document.getElementById('help').hidden") === true, 'Escape closes the help');
    await key('?');
    await key('?');
    check(await js("document.getElementById('help').hidden") === true, '? toggles the help');

    // Typing in a note: the letters are text, not shortcuts.
    await js("document.querySelector('#q-3 input.note').focus()");
    for (const c of 'gsuj') await key(c);
    check(await js("document.querySelector('#q-3 input.note').value") === 'gsuj', 'note typed');
    check(await decided() === 0, 'no shortcut fired while typing');
    await js('document.activeElement.blur()');

    // Bulk: tick q-3 and q-5 with the mouse and q-4 with x, remove them together, undo
    // as one step.
    await click('#q-3 input.select');
    await click('#q-5 input.select');
    await key('j');
    check(await currentId() === 'q-2', 'j from q-1 after blur');
    await key('j');
    await key('j');
    check(await currentId() === 'q-4', 'on q-4');
    await key('x');
    check(await js("document.getElementById('selection-count').textContent") === '3 sélectionnés', 'three selected');
    check(await js("document.getElementById('bulk-remove').disabled") === false, 'bulk buttons enabled');
    await click('#bulk-remove');
    for (const id of ['q-3', 'q-4', 'q-5']) check(await decisionOf(id) === 'remove', id + ' removed in bulk');
    check(await decided() === 3 && await visible() === 27, 'three decided, hidden');
    check(await js("document.querySelectorAll('input.select:checked').length") === 0, 'selection cleared');
    await key('u');
    check(await decided() === 0, 'one u undoes the whole bulk action');
    check(await currentId() === 'q-3', 'undo goes back to the first item of the bulk action');
    // The same by keyboard only: x on q-3 and q-4, then Shift+g keeps both.
    await key('x');
    await key('j');
    await key('x');
    await key('g', true);
    check(await decisionOf('q-3') === 'keep' && await decisionOf('q-4') === 'keep' && await decided() === 2,
      'Shift+g keeps the selection');
    await key('u');
    check(await decided() === 0, 'undone');
    // "tout sélectionner (visibles)" ticks exactly the visible items.
    await click('button.author-filter[data-author="Gontran78"]');
    check(await visible() === 4, 'Gontran78 has 4 comments: ' + await visible());
    await click('#select-visible');
    check(await js("document.querySelectorAll('input.select:checked').length") === 4, 'select all visible = 4');
    await click('#bulk-keep');
    check(await decided() === 4, 'four kept in bulk');
    const gontran = await js("Array.prototype.filter.call(document.querySelectorAll('li.item')," +
      " function (li) { return li.getAttribute('data-decision') === 'keep'; }).map(function (li) {" +
      " return li.getAttribute('data-author') + ':' + li.getAttribute('data-index'); }).sort()");
    check(JSON.stringify(gontran) === JSON.stringify(['Gontran78:11', 'Gontran78:2', 'Gontran78:4', 'Gontran78:8']),
      'the kept ones are his: ' + JSON.stringify(gontran));
    await key('u');
    check(await decided() === 0, 'bulk keep undone');

    // Author filter: the repeat offender stands out; "(sans auteur)" and "tous".
    check(await js("Array.prototype.map.call(document.querySelectorAll('button.author-filter.repeat')," +
      " function (b) { return b.getAttribute('data-author'); }).join()") === 'Gontran78', 'only Gontran78 is a repeat');
    check(await js("document.querySelector('button.author-filter').nextElementSibling.getAttribute('data-author')") ===
      'Gontran78', 'the most frequent author comes first');
    await click('button.author-filter[data-no-author]');
    const anon = await shownIds();
    check(anon.length === 1 && await js("document.getElementById('" + anon[0] + "').getAttribute('data-index')") === '19',
      'the comment without author is n° 19');
    await click('button.author-filter[data-all]');
    check(await visible() === 30, 'all authors again');

    // Sub-thread in the list: comment 1 and its replies 2, 3, 4, 5 removed at once.
    const root = await js("document.querySelector('li.item[data-index=\"1\"]').id");
    await click('#' + root + ' button[data-subtree-decision="remove"]');
    const removed = await js("Array.prototype.filter.call(document.querySelectorAll('li.item')," +
      " function (li) { return li.getAttribute('data-decision') === 'remove'; }).map(function (li) {" +
      " return Number(li.getAttribute('data-index')); }).sort(function (a, b) { return a - b; })");
    check(JSON.stringify(removed) === '[1,2,3,4,5]', 'sub-thread of 1 removed: ' + JSON.stringify(removed));
    check(await js("document.querySelector('#threads .tc[data-index=\"4\"]').getAttribute('data-decision')") === 'remove',
      'the thread view shows the decision');
    await key('u');
    check(await decided() === 0, 'sub-thread decision undone in one step');
    // Sub-thread in the thread view: comment 6 and its replies 7 and 8 kept.
    await click('#threads .tc[data-index="6"] button[data-subtree-decision="keep"]');
    const kept = await js("Array.prototype.filter.call(document.querySelectorAll('li.item')," +
      " function (li) { return li.getAttribute('data-decision') === 'keep'; }).map(function (li) {" +
      " return Number(li.getAttribute('data-index')); }).sort(function (a, b) { return a - b; })");
    check(JSON.stringify(kept) === '[6,7,8]', 'sub-thread of 6 kept from the thread view: ' + JSON.stringify(kept));
    // The Annuler button does what u does.
    await click('#undo');
    check(await decided() === 0, 'the undo button');
    check(await js("document.getElementById('undo').disabled") === true, 'nothing left to undo');

    // Screenshots for people to look at (into SHOT_DIR when given): the list mid-triage
    // (a current item, a selection, one decision), then the help panel.
    if (downloadDir) {
      await b.s('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1300, deviceScaleFactor: 1, mobile: false });
      await js('window.scrollTo(0, 0)');
      await key('j');
      await key('s');
      await key('x');
      await key('j');
      const shot = async (name) => {
        const { data } = await b.s('Page.captureScreenshot', { format: 'png' });
        fs.writeFileSync(path.join(downloadDir, name), Buffer.from(data, 'base64'));
      };
      await shot('tamis-queue-triage.png');
      await key('?');
      await shot('tamis-queue-help.png');
      await key('Escape');
    }
  } else if (mode === 'retrain') {
    // The model's call is the item's "review" class. By keyboard, keep the last three
    // flagged items (the least sure: where a moderator overrules the model), remove the
    // first passed one, and remove the first flagged one (agreeing with the model); with
    // the mouse, remove two more passed ones.
    const calls = await js("Array.prototype.map.call(document.querySelectorAll('li.item')," +
      " function (li) { return [li.id, li.classList.contains('review'), li.getAttribute('data-key')]; })");
    const flagged = calls.filter((c) => c[1]);
    const passed = calls.filter((c) => !c[1]);
    check(flagged.length >= 4 && passed.length >= 3, 'the model flags some and passes some: ' + flagged.length);
    const plan = new Map();
    flagged.slice(-3).forEach((c) => plan.set(c[0], 'keep'));
    plan.set(passed[0][0], 'remove');
    plan.set(flagged[0][0], 'remove');
    // Walk the list with j from the top and decide with g / s where the plan says.
    await key('j');
    for (let guard = 0; guard < total + 5; guard++) {
      const id = await currentId();
      if (plan.has(id) && plan.get(id) === 'keep' && !(await decisionOf(id))) { await key('g'); continue; }
      if (id === passed[0][0] && !(await decisionOf(id))) { await key('s'); continue; }
      if (id === flagged[0][0] && !(await decisionOf(id))) { await key('s'); continue; }
      const before = id;
      await key('j');
      if (await currentId() === before) break;
    }
    for (const c of passed.slice(1, 3)) {
      await click('#' + c[0] + ' button.remove');
      plan.set(c[0], 'remove');
    }
    for (const [id, d] of plan) check(await decisionOf(id) === d, id + ' is ' + d);
    check(await decided() === 7, 'seven decisions: ' + await decided());

    // A real download into DOWNLOAD_DIR, as the browser would save it.
    await b.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloadDir, eventsEnabled: true });
    const begun = b.once('Browser.downloadWillBegin');
    const done = b.once('Browser.downloadProgress', (p) => p.state === 'completed' || p.state === 'canceled');
    await click('#download');
    const { suggestedFilename } = await begun;
    const progress = await done;
    check(progress.state === 'completed', 'download completed');
    const file = path.join(downloadDir, suggestedFilename);
    check(fs.existsSync(file), 'downloaded file at ' + file);
    await load('about:blank');
    await load(url + '#apercu-csv');
    const preview = await js("document.getElementById('csv-preview').textContent");
    const decidedKeys = {};
    for (const [id, d] of plan) decidedKeys[calls.find((c) => c[0] === id)[2]] = d;
    const violations = await js('window.__violations');
    check(exceptions.length === 0, 'no script error: ' + JSON.stringify(exceptions));
    process.stdout.write(JSON.stringify({ decided: decidedKeys, file, preview, violations }) + '\n');
    await b.close();
    process.exit(0);
  } else {
    b.fail('unknown mode ' + mode);
  }
  const violations = await js('window.__violations');
  check(exceptions.length === 0, 'no script error: ' + JSON.stringify(exceptions));
  process.stdout.write(JSON.stringify({ violations }) + '\n');
  await b.close();
  process.exit(0);
})().catch((e) => {
  process.stderr.write('triage.js: ' + String(e && e.stack || e) + '\n');
  process.exit(1);
});
