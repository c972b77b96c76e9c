// tamis review page. Everything was rendered (and escaped) by tamis; this script only
// filters, records keep/remove decisions in localStorage and builds the decisions CSV.
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

  function set(key, decision, note) {
    if (decision || note) decisions.set(key, { decision: decision, note: note });
    else decisions.delete(key);
    save();
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

  function paintKey(key) {
    items.forEach(function (li) { if (li.getAttribute('data-key') === key) paint(li); });
  }

  var slider = document.getElementById('f-threshold');
  var sliderValue = document.getElementById('f-threshold-value');
  var status = document.getElementById('f-status');
  var counter = document.getElementById('counter');
  var empty = document.querySelector('#queue .empty');
  var reasonBoxes = Array.prototype.slice.call(document.querySelectorAll('input.f-reason'));

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
      var statusOk = status.value === 'all' || (status.value === 'todo' ? !d : !!d);
      var ok = parseFloat(li.getAttribute('data-score')) >= min && reasonOk && statusOk;
      li.hidden = !ok;
      if (ok) shown++;
    });
    counter.textContent = shown + ' affiché' + (shown > 1 ? 's' : '') + ' sur ' + items.length +
      ' · ' + decided + ' décidé' + (decided > 1 ? 's' : '');
    if (empty) empty.hidden = shown > 0;
    document.body.setAttribute('data-visible-count', String(shown));
  }

  document.getElementById('queue').addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-decision]');
    if (!b) return;
    var li = b.closest('li.item');
    var key = li.getAttribute('data-key');
    var cur = get(key);
    var want = b.getAttribute('data-decision');
    // Pressing the active button again takes the decision back.
    set(key, cur.decision === want ? '' : want, cur.note);
    paintKey(key);
    apply();
  });

  document.getElementById('queue').addEventListener('input', function (ev) {
    if (!ev.target.matches('input.note')) return;
    var key = ev.target.closest('li.item').getAttribute('data-key');
    set(key, get(key).decision, ev.target.value);
  });

  slider.addEventListener('input', apply);
  status.addEventListener('change', apply);
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
    items.forEach(function (li) { decisions.delete(li.getAttribute('data-key')); });
    save();
    items.forEach(paint);
    apply();
  });

  items.forEach(paint);
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
