// tamis review page. Everything was rendered (and escaped) by tamis; this script only
// filters (reasons, probability, author, decided items), records keep/remove decisions
// in localStorage (one at a time, by selection or by sub-thread, with undo), moves a
// keyboard focus between items, and builds the decisions CSV.
// It never writes markup: text goes through textContent, data comes from the JSON block.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('tamis-data').textContent);
  var STORE = 'tamis.decisions.v1';
  var EMPTY = { decision: '', note: '' };
  var items = Array.prototype.slice.call(document.querySelectorAll('#queue li.item'));

  // Decisions by comment key. A Map, not an object, so a key such as "__proto__" is
  // just a key; stored as [key, {decision, note}] pairs and validated on load.
  var decisions = new Map();
  try {
    var saved = JSON.parse(window.localStorage.getItem(STORE) || '[]');
    if (Array.isArray(saved)) {
      saved.forEach(function (e) {
        if (!Array.isArray(e) || typeof e[0] !== 'string' || !e[1] || typeof e[1] !== 'object') return;
        var d = e[1].decision === 'keep' || e[1].decision === 'remove' ? e[1].decision : '';
        var n = typeof e[1].note === 'string' ? e[1].note : '';
        if (d || n) decisions.set(e[0], { decision: d, note: n });
      });
    }
  } catch (err) { /* unreadable or blocked storage: start empty */ }

  function save() {
    try {
      window.localStorage.setItem(STORE, JSON.stringify(Array.from(decisions.entries())));
    } catch (err) { /* storage blocked: decisions last until the page is closed */ }
  }

  function get(key) { return decisions.get(key) || EMPTY; }

  // `batch`: the caller saves once at the end (saving serialises every decision, so one
  // save per key would make a bulk action quadratic).
  function set(key, decision, note, batch) {
    if (decision || note) decisions.set(key, { decision: decision, note: note });
    else decisions.delete(key);
    if (!batch) save();
  }

  // Shows one item's decision; every item with the same key (the same text twice in
  // one source) shows the same decision.
  function paint(li) {
    var d = get(li.getAttribute('data-key'));
    li.setAttribute('data-decision', d.decision);
    li.querySelectorAll('button[data-decision]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.getAttribute('data-decision') === d.decision));
    });
    var note = li.querySelector('input.note');
    if (note && document.activeElement !== note) note.value = d.note;
  }

  // Items by key (the same text twice in one source shares a key) and thread entries by
  // rank, looked up once: painting stays linear on a queue of thousands.
  var byKey = new Map();
  items.forEach(function (li) {
    var k = li.getAttribute('data-key');
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(li);
  });
  // The thread view shows the decisions of its queued comments too.
  var threadByRank = new Map();
  document.querySelectorAll('#threads .tc[data-rank]').forEach(function (tc) {
    threadByRank.set(tc.getAttribute('data-rank'), tc);
  });
  function paintKey(key) {
    (byKey.get(key) || []).forEach(function (li) {
      paint(li);
      var tc = threadByRank.get(li.getAttribute('data-rank'));
      if (tc) tc.setAttribute('data-decision', li.getAttribute('data-decision'));
    });
  }

  var slider = document.getElementById('f-threshold');
  var sliderValue = document.getElementById('f-threshold-value');
  var hideDecided = document.getElementById('f-hide-decided');
  var counter = document.getElementById('counter');
  var empty = document.querySelector('#queue .empty');
  var reasonBoxes = Array.prototype.slice.call(document.querySelectorAll('input.f-reason'));
  var authorButtons = Array.prototype.slice.call(document.querySelectorAll('button.author-filter'));
  var selectVisible = document.getElementById('select-visible');
  var selectionCount = document.getElementById('selection-count');
  var bulkKeep = document.getElementById('bulk-keep');
  var bulkRemove = document.getElementById('bulk-remove');
  var undoButton = document.getElementById('undo');
  var help = document.getElementById('help');
  var byRank = new Map();
  items.forEach(function (li) { byRank.set(li.getAttribute('data-rank'), li); });

  // The author filter: null shows everyone; otherwise the author's name, or '' for the
  // comments without an author (their items have no data-author).
  var author = null;
  function authorOf(el) {
    return el.hasAttribute('data-author') ? el.getAttribute('data-author') : '';
  }

  var boxes = new Map();
  items.forEach(function (li) { boxes.set(li, li.querySelector('input.select')); });
  function selectBox(li) { return boxes.get(li); }
  function selected() {
    return items.filter(function (li) { var b = selectBox(li); return b && b.checked; });
  }
  function visibleItems() { return items.filter(function (li) { return !li.hidden; }); }

  function apply() {
    var min = parseFloat(slider.value) || 0;
    sliderValue.textContent = min.toFixed(2).replace('.', ',');
    var wanted = new Set();
    reasonBoxes.forEach(function (b) { if (b.checked) wanted.add(b.value); });
    var shown = 0;
    var decided = 0;
    items.forEach(function (li) {
      var d = get(li.getAttribute('data-key')).decision;
      if (d) decided++;
      var reasons = (li.getAttribute('data-reasons') || '').split(' ');
      var reasonOk = reasons.some(function (r) { return wanted.has(r); });
      var statusOk = !(hideDecided.checked && d);
      var authorOk = author === null || authorOf(li) === author;
      var ok = parseFloat(li.getAttribute('data-score')) >= min && reasonOk && statusOk && authorOk;
      if (li.hidden !== !ok) li.hidden = !ok;
      // A hidden item is never part of a bulk action: what is decided is what is seen.
      if (!ok && selectBox(li)) selectBox(li).checked = false;
      if (ok) shown++;
    });
    var todo = items.length - decided;
    counter.textContent = shown + ' affiché' + (shown > 1 ? 's' : '') + ' sur ' + items.length +
      ' · ' + decided + ' décidé' + (decided > 1 ? 's' : '') + ' · ' + todo + ' à décider';
    if (empty) empty.hidden = shown > 0;
    document.body.setAttribute('data-visible-count', String(shown));
    document.body.setAttribute('data-decided-count', String(decided));
    showSelection();
  }

  function showSelection() {
    var n = selected().length;
    selectionCount.textContent = n + ' sélectionné' + (n > 1 ? 's' : '');
    bulkKeep.disabled = n === 0;
    bulkRemove.disabled = n === 0;
    var vis = visibleItems();
    selectVisible.checked = vis.length > 0 && n === vis.length;
    selectVisible.indeterminate = n > 0 && n < vis.length;
    undoButton.disabled = undoStack.length === 0;
  }

  // Undo: every user action (one decision, a bulk or sub-thread decision, clearing) is
  // one entry holding the keys' previous states, so "u" takes it back as a whole.
  var undoStack = [];
  var HISTORY_MAX = 500;

  // Sets `decision` (keep, remove or '' to take back) on several keys as one step.
  function decide(keys, decision, focusKey) {
    var before = [];
    var seen = new Set();
    keys.forEach(function (k) {
      if (seen.has(k)) return;
      seen.add(k);
      var cur = get(k);
      if (cur.decision === decision) return;
      before.push([k, { decision: cur.decision, note: cur.note }]);
      set(k, decision, cur.note, true);
    });
    if (before.length === 0) return false;
    save();
    undoStack.push({ before: before, focus: focusKey });
    if (undoStack.length > HISTORY_MAX) undoStack.shift();
    before.forEach(function (e) { paintKey(e[0]); });
    apply();
    return true;
  }

  function undo() {
    var step = undoStack.pop();
    if (!step) return;
    step.before.forEach(function (e) {
      // The note typed since stays (undo is about decisions), except when undoing
      // "Effacer les décisions", which cleared the notes too.
      set(e[0], e[1].decision, step.notes ? e[1].note : get(e[0]).note, true);
      paintKey(e[0]);
    });
    save();
    apply();
    var li = (byKey.get(step.focus) || [])[0];
    if (li && !li.hidden) focusItem(li);
  }

  // The current item for the keyboard: a class and aria-current, scrolled into view and
  // focused (tabindex -1) so the focus ring shows where the next key applies.
  var current = null;
  function focusItem(li) {
    if (current) {
      current.classList.remove('current');
      current.removeAttribute('aria-current');
    }
    current = li;
    if (!li) return;
    li.classList.add('current');
    li.setAttribute('aria-current', 'true');
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: 'nearest' });
  }

  // The next (step 1) or previous (-1) visible item from the current one; from nothing,
  // the first (or last) visible. The current item may itself be hidden by now.
  function neighbour(step, pred) {
    var i = current ? items.indexOf(current) : (step > 0 ? -1 : items.length);
    for (var j = i + step; j >= 0 && j < items.length; j += step) {
      if (!items[j].hidden && (!pred || pred(items[j]))) return items[j];
    }
    return null;
  }

  function undecided(li) { return !get(li.getAttribute('data-key')).decision; }

  // g / s: decide the current item, then go to the next undecided visible item (after
  // it, else before it).
  function decideCurrent(decision) {
    // No current item in view (none yet, or it was just decided or filtered out): the
    // key only shows where the focus lands, nothing is decided unseen.
    if (!current || current.hidden) {
      focusItem(neighbour(1) || neighbour(-1));
      return;
    }
    var li = current;
    decide([li.getAttribute('data-key')], decision, li.getAttribute('data-key'));
    var next = neighbour(1, undecided) || neighbour(-1, undecided);
    focusItem(next || (li.hidden ? null : li));
  }

  function keysOfRanks(list) {
    var keys = [];
    (list || '').split(' ').forEach(function (r) {
      var li = byRank.get(r);
      if (li) keys.push(li.getAttribute('data-key'));
    });
    return keys;
  }

  document.querySelector('main').addEventListener('click', function (ev) {
    var sub = ev.target.closest('button[data-subtree-decision]');
    if (sub) {
      var keys = keysOfRanks(sub.closest('[data-subtree]').getAttribute('data-subtree'));
      decide(keys, sub.getAttribute('data-subtree-decision'), keys[0]);
      return;
    }
    var b = ev.target.closest('button[data-decision]');
    if (b) {
      var li = b.closest('li.item');
      var key = li.getAttribute('data-key');
      var want = b.getAttribute('data-decision');
      // Pressing the active button again takes the decision back.
      decide([key], get(key).decision === want ? '' : want, key);
      return;
    }
    var a = ev.target.closest('button.author-filter');
    if (a) {
      author = a.hasAttribute('data-all') ? null : authorOf(a);
      authorButtons.forEach(function (x) { x.setAttribute('aria-pressed', String(x === a)); });
      apply();
      return;
    }
    if (ev.target.matches('input.select')) showSelection();
  });

  document.getElementById('queue').addEventListener('input', function (ev) {
    if (!ev.target.matches('input.note')) return;
    var key = ev.target.closest('li.item').getAttribute('data-key');
    set(key, get(key).decision, ev.target.value);
  });

  selectVisible.addEventListener('change', function () {
    var on = selectVisible.checked;
    visibleItems().forEach(function (li) { if (selectBox(li)) selectBox(li).checked = on; });
    showSelection();
  });

  function bulk(decision) {
    var chosen = selected();
    chosen.forEach(function (li) { selectBox(li).checked = false; });
    if (chosen.length === 0) return;
    decide(chosen.map(function (li) { return li.getAttribute('data-key'); }), decision,
      chosen[0].getAttribute('data-key'));
  }
  bulkKeep.addEventListener('click', function () { bulk('keep'); });
  bulkRemove.addEventListener('click', function () { bulk('remove'); });
  undoButton.addEventListener('click', undo);

  function toggleHelp(show) {
    help.hidden = !show;
    if (show) document.getElementById('help-close').focus();
    else if (current) current.focus({ preventScroll: true });
  }
  document.getElementById('help-open').addEventListener('click', function () { toggleHelp(help.hidden); });
  document.getElementById('help-close').addEventListener('click', function () { toggleHelp(false); });

  // Shortcuts stay out of the way of typing: not in a text field, select or textarea
  // (a checkbox or a button keeps them, so a click there does not switch them off), and
  // not with Ctrl, Alt or Meta (the browser's own shortcuts).
  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName.toLowerCase();
    if (tag === 'textarea' || tag === 'select' || el.isContentEditable) return true;
    return tag === 'input' && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || typing(ev.target)) return;
    var k = ev.key;
    if (k === 'Escape') {
      if (!help.hidden) { toggleHelp(false); ev.preventDefault(); }
      return;
    }
    if (k === '?') { toggleHelp(help.hidden); ev.preventDefault(); return; }
    // The help panel covers the list: nothing is decided behind it.
    if (!help.hidden) return;
    if (k.length === 1) k = k.toLowerCase();
    var handled = true;
    // Shift+g / Shift+s: the selection together (Caps Lock alone is not Shift).
    if (ev.shiftKey && (k === 'g' || k === 's')) {
      bulk(k === 'g' ? 'keep' : 'remove');
    } else if (k === 'j' || k === 'ArrowDown') {
      var n = neighbour(1);
      if (n) focusItem(n);
    } else if (k === 'k' || k === 'ArrowUp') {
      var p = neighbour(-1);
      if (p) focusItem(p);
    } else if (k === 'g') {
      decideCurrent('keep');
    } else if (k === 's') {
      decideCurrent('remove');
    } else if (k === 'u') {
      undo();
    } else if (k === 'x') {
      if (current && !current.hidden && selectBox(current)) {
        selectBox(current).checked = !selectBox(current).checked;
        showSelection();
      }
    } else {
      handled = false;
    }
    if (handled) ev.preventDefault();
  });

  slider.addEventListener('input', apply);
  hideDecided.addEventListener('change', apply);
  reasonBoxes.forEach(function (b) { b.addEventListener('change', apply); });

  // The same rules as tamis's CSV writer: a cell a spreadsheet would run as a formula
  // gets a leading ', then RFC 4180 quoting when the cell needs it.
  function cell(s) {
    s = String(s);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    if (/[",\r\n]/.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
    return s;
  }

  // The queue CSV with the moderator's decisions and notes filled in.
  function decisionsCsv() {
    var di = data.columns.indexOf('decision');
    var ni = data.columns.indexOf('note');
    var lines = [data.columns.map(cell).join(',')];
    data.rows.forEach(function (row) {
      var cells = row.cells.slice();
      var d = get(row.key);
      cells[di] = d.decision;
      cells[ni] = d.note;
      lines.push(cells.map(cell).join(','));
    });
    return (data.excel ? '\ufeff' : '') + lines.join('\r\n') + '\r\n';
  }

  document.getElementById('download').addEventListener('click', function () {
    var blob = new Blob([decisionsCsv()], { type: 'text/csv;charset=utf-8' });
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = data.download || 'decisions.csv';
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  });

  document.getElementById('clear').addEventListener('click', function () {
    if (!window.confirm('Effacer toutes les décisions de cette file ?')) return;
    // One undo step, notes included, so "Annuler" brings everything back.
    var before = [];
    items.forEach(function (li) {
      var k = li.getAttribute('data-key');
      var cur = get(k);
      if (cur.decision || cur.note) before.push([k, { decision: cur.decision, note: cur.note }]);
      set(k, '', '', true);
      paintKey(k);
    });
    save();
    if (before.length) undoStack.push({ before: before, notes: true });
    apply();
  });

  byKey.forEach(function (_lis, key) { paintKey(key); });
  apply();
  // "#apercu-csv" shows what the download would contain (also how the browser test
  // checks that the page's CSV matches the one tamis writes).
  if (window.location.hash === '#apercu-csv') {
    var pre = document.getElementById('csv-preview');
    pre.textContent = decisionsCsv();
    pre.hidden = false;
  }
  document.body.setAttribute('data-rendered-count', String(items.length));
}());
