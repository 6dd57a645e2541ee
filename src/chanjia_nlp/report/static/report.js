/* chanjia_nlp review report: renders the embedded JSON on demand.
 * Text from the data only ever reaches the page through text nodes, textContent and
 * setAttribute; nothing is parsed as HTML. */
(function () {
  'use strict';

  const DATA = JSON.parse(document.getElementById('report-data').textContent);
  const docs = DATA.docs;
  const items = DATA.items;
  const findings = DATA.findings;
  const names = DATA.indicators;
  const UI = DATA.ui;
  const ZH = UI.lang === 'zh';
  const LEDGER_CHECKS = new Set(['ledger', 'ledger_total']);
  const LEDGER_VERDICTS = ['consistent', 'consistent_within_qualifier', 'inconsistent', 'unsupported', 'ambiguous'];
  const collator = new Intl.Collator('zh-Hans-CN', { numeric: true });

  // ---- helpers ---------------------------------------------------------------------------

  // Control and format characters (a right-to-left override, zero-width spaces, a BOM) are shown
  // as ⟨U+202E⟩, never obeyed: \u202egnp.exe.txt must not read as txt.exe.png.
  const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
  const INVISIBLE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

  function codePoint(c) {
    return 'U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
  }

  const SHOWN_ATTRIBUTES = new Set(['title', 'aria-label', 'alt']);  // what people read; values stay exact

  function shown(text) {  // for attributes: invisible characters as ⟨U+XXXX⟩
    return INVISIBLE.test(text) ? text.replace(INVISIBLE_ALL, function (c) { return '⟨' + codePoint(c) + '⟩'; }) : text;
  }

  function appendText(node, text, keep) {  // text nodes, with each invisible character as a marked ⟨U+XXXX⟩
    if (!INVISIBLE.test(text)) {
      node.appendChild(document.createTextNode(text));
      return;
    }
    let from = 0;
    for (const match of text.matchAll(INVISIBLE_ALL)) {
      if (keep && keep.includes(match[0])) continue;
      if (match.index > from) node.appendChild(document.createTextNode(text.slice(from, match.index)));
      const name = codePoint(match[0]);
      node.appendChild(el('span', { class: 'ctl', title: name + ' (an invisible control character)' }, '⟨' + name + '⟩'));
      from = match.index + match[0].length;
    }
    if (from < text.length) node.appendChild(document.createTextNode(text.slice(from)));
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const key in attrs || {}) {
      const value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      node.setAttribute(key, value === true ? '' : SHOWN_ATTRIBUTES.has(key) ? shown(String(value)) : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined) return node;
    for (const child of Array.isArray(children) ? children : [children]) {
      if (child === null || child === undefined || child === '') continue;
      if (typeof child === 'object') node.appendChild(child);
      else appendText(node, String(child), '');
    }
    return node;
  }

  function token(value) {  // a value made safe to use as a CSS class name
    return String(value || '').replace(/[^A-Za-z0-9_-]/g, '');
  }

  function say(key, vars) {  // a sentence of the page in its language, with {name} filled in
    return UI.text[key].replace(/\{(\w+)\}/g, function (whole, name) { return String(vars[name]); });
  }

  function verdictName(verdict) { return UI.verdicts[verdict] || verdict; }
  function checkName(check) { return (UI.checks || {})[check] || check; }

  function scopeName(scope) { return scope ? UI.scopes[scope] || scope : scope; }

  function badge(verdict) {
    return el('span', { class: 'badge verdict-' + token(verdict), title: verdict || null }, verdictName(verdict) || UI.text.none);
  }

  function indicatorCell(id) {  // Chinese: the registry's name, the id on hover; English: the id, the name on hover
    if (ZH) return el('td', { title: id || null }, names[id] || id);
    return el('td', { title: names[id] || null }, id);
  }

  const TARGET = UI.text.key_target;

  function targetBadge(item) {  // a figure planned or aimed at, never added to achieved totals
    return item.target ? el('span', { class: 'badge target', title: UI.text.target_title }, TARGET) : null;
  }

  // What decided a claim field (its `why`), as a reviewer reads it: a rule by name, or the trained
  // model, with the rule whose proposal it agreed with.
  function whyText(by) {
    const model = /^model(?: \((.+)\))?$/.exec(by);
    if (!model) return say('why_rule', { rule: by });
    return model[1] ? say('why_model_agree', { rule: model[1] }) : UI.text.why_model_alone;
  }

  function indicatorLabel(id) {
    if (ZH) return names[id] || id || '';
    return id && names[id] ? id + ' — ' + names[id] : (id || '');
  }

  function interval(item) {
    if (item.low && item.high) return item.low === item.high ? item.low : item.low + ' – ' + item.high;
    if (item.low) return '≥ ' + item.low;
    if (item.high) return '≤ ' + item.high;
    return 'open';
  }

  function verdictsOf(item) {
    const seen = [];
    for (const f of item.findings || []) {
      const verdict = findings[f].verdict;
      if (!seen.includes(verdict)) seen.push(verdict);
    }
    return seen;
  }

  // ---- printing: every row of the paged tables, not only the page on screen -------------

  const printHooks = [];  // functions(printing) that widen a table to all its rows, or put it back
  let printing = false;

  function setPrinting(on) {
    if (on === printing) return;
    printing = on;
    for (const hook of printHooks) hook(on);
  }

  function pagedForPrint(state, redraw) {  // a paged table that shows all its rows while printing
    let size = null;
    printHooks.push(function (on) {
      if (on) { size = state.size; state.size = 0; } else if (size !== null) { state.size = size; size = null; }
      redraw();
    });
    if (printing) { size = state.size; state.size = 0; }
  }

  window.addEventListener('beforeprint', function () { setPrinting(true); });
  window.addEventListener('afterprint', function () { setPrinting(false); });
  const printMedia = window.matchMedia('print');
  printMedia.addEventListener('change', function () { setPrinting(printMedia.matches); });

  // ---- tabs and routing ------------------------------------------------------------------

  const rendered = {};

  function showTab(name) {
    for (const tab of document.querySelectorAll('[data-tab]')) {
      tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
    }
    for (const view of document.querySelectorAll('main > section')) view.hidden = view.id !== 'tab-' + name;
    if (name === 'documents' && !rendered.docList) renderDocList();
    if (name === 'checks' && !rendered.checks) renderChecks();
    if (name === 'districts' && !rendered.districts) renderDistricts();
    hideCard();
  }

  function route() {
    const hash = location.hash;
    let match;
    if ((match = /^#item-(\d+)$/.exec(hash))) focusItem(Number(match[1]));
    else if ((match = /^#doc-(\d+)$/.exec(hash))) { showTab('documents'); showDoc(Number(match[1])); window.scrollTo(0, 0); }
    else if ((match = /^#(overview|documents|claims|districts|checks)$/.exec(hash))) showTab(match[1]);
  }

  function go(hash) {  // follow an in-page link now, not on the next hashchange task
    if (hash !== location.hash) {
      try { history.pushState(null, '', hash); } catch (error) { location.hash = hash; return; }
    }
    route();
  }

  window.addEventListener('popstate', route);
  document.addEventListener('click', function (event) {
    const link = event.target.closest('a[href^="#"]');
    if (link && event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      go(link.getAttribute('href'));
    }
  });

  // ---- documents view --------------------------------------------------------------------

  const docText = document.getElementById('doc-text');
  const docHead = document.getElementById('doc-head');
  let currentDoc = null;

  function renderDocList() {
    rendered.docList = true;
    const list = document.getElementById('doc-list');
    const fragment = document.createDocumentFragment();
    docs.forEach(function (doc, n) {
      const counts = doc.counts || {};
      const line = [say('claims_n', { n: counts.claim || 0 })];
      if (doc.status === 'error') line.push(UI.text.doc_not_read);
      if (counts.damaged) line.push(say('doc_damaged', { n: counts.damaged }));
      fragment.appendChild(el('li', { class: doc.status === 'error' ? 'error' : null, 'data-doc': n }, [
        el('a', { href: '#doc-' + n }, [doc.path, el('small', null, [doc.title, doc.title ? ' · ' : '', line.join(' · ')])]),
      ]));
    });
    list.appendChild(fragment);
    document.getElementById('doc-search').addEventListener('input', function () {
      const query = this.value.trim().toLowerCase();
      for (const li of list.children) {
        const doc = docs[Number(li.dataset.doc)];
        li.hidden = query !== '' && !((doc.path || '') + '\n' + (doc.title || '')).toLowerCase().includes(query);
      }
    });
  }

  function markClass(item) {
    let css = 'm t-' + token(item.type);
    if (item.label) css += ' l-' + token(item.label);
    if (item.type === 'evidence') css += ' role-' + token(item.role);
    if (item.damaged) css += ' damaged';
    if (item.doubtful) css += ' doubtful';
    if (item.target) css += ' target';
    const verdicts = verdictsOf(item);
    if (verdicts.length) css += ' has-finding verdict-' + token(verdicts[0]);
    return css;
  }

  function build(parent, nodes, from) {
    for (let k = from; k < nodes.length; k++) {
      const node = nodes[k];
      if (typeof node === 'string') {
        appendText(parent, node, '\n\r\t');
      } else {
        const item = items[node[0]];
        const mark = document.createElement('mark');
        mark.className = markClass(item);
        mark.dataset.i = node[0];
        mark.tabIndex = 0;
        build(mark, node, 1);
        parent.appendChild(mark);
      }
    }
  }

  function showDoc(n) {
    const doc = docs[n];
    if (!doc || currentDoc === n) return;
    if (!rendered.docList) renderDocList();
    currentDoc = n;
    for (const li of document.querySelectorAll('#doc-list li')) li.classList.toggle('current', Number(li.dataset.doc) === n);
    const facts = [
      doc.path, doc.published && UI.text.published + ' ' + doc.published, doc.format, doc.source,
      doc.chars && say('characters', { n: doc.chars }),
    ].filter(Boolean).join(' · ');
    const head = [el('h2', null, doc.title || doc.path), el('p', null, facts)];
    if (doc.status === 'error') head.push(el('p', { class: 'notice' }, say('not_read_doc', { error: doc.error || UI.text.unknown_error })));
    if (doc.no_record) head.push(el('p', { class: 'notice' }, UI.text.no_document_record));
    if (doc.textless) {
      head.push(el('p', { class: 'notice' }, UI.text.textless_doc));
    }
    docHead.replaceChildren(...head);
    const fragment = document.createDocumentFragment();
    for (const block of doc.blocks) {
      const box = el('div', { class: doc.textless ? 'sentence' : 'text' });
      build(box, block, 0);
      fragment.appendChild(box);
    }
    docText.replaceChildren(fragment);
  }

  function focusItem(i) {
    const item = items[i];
    if (!item) return;
    showTab('documents');
    showDoc(item.doc);
    for (const old of docText.querySelectorAll('mark.focus')) old.classList.remove('focus');
    for (const old of docHead.querySelectorAll('.missing')) old.remove();
    const marks = docText.querySelectorAll('mark[data-i="' + i + '"]');
    if (!marks.length) {
      const why = say('not_placed', { text: item.text || '' });
      docHead.appendChild(el('p', { class: 'notice missing' }, why));
      window.scrollTo(0, 0);
      return;
    }
    for (const mark of marks) mark.classList.add('focus');
    marks[0].scrollIntoView({ block: 'center' });
    marks[0].focus({ preventScroll: true });
  }

  document.getElementById('legend').addEventListener('change', function (event) {
    const type = event.target.dataset.toggle;
    if (type) docText.classList.toggle('hide-' + type, !event.target.checked);
  });

  // ---- hover card ------------------------------------------------------------------------

  const card = document.getElementById('card');

  function cardRows(item) {
    const rows = [];
    const add = function (label, value) {
      if (value !== undefined && value !== null && value !== '') rows.push([UI.labels[label] || label, value]);
    };
    if (item.type === 'claim' || item.type === 'quantity') {
      add('value', item.damaged ? (item.crop ? UI.text.ocr_unsure : UI.text.no_digits) : item.shown || [item.value, item.unit].filter(Boolean).join(' '));
      add('low–high', interval(item));
      add('qualifier', UI.qualifiers[item.qualifier] || item.qualifier);
      add('kind', item.kind);
      add('unit', item.unit);
      add('currency', item.currency);
      add('indicator', indicatorLabel(item.indicator));
      add('counted', item.indicator_text);
      add('subject', item.subject);
      add('period', item.period);
      add('scope', item.scope && scopeName(item.scope) !== item.scope ? scopeName(item.scope) + ' (' + item.scope + ')' : item.scope);
      add('level', item.level);
      if (item.total !== undefined) add('part of', say('part_of_total', { text: items[item.total].text, offset: item.parent }));
      else if (item.parent !== undefined) add('part of', say('total_at', { offset: item.parent }));
    } else if (item.type === 'programme') {
      add('kind', item.kind);
    } else if (item.type === 'entity') {
      add('label', item.label);
      add('normalized', item.normalized);
      add('role', item.role);
      add('code', item.code);
    } else if (item.type === 'evidence') {
      add('role', item.role);
    }
    if (item.doubtful) add('doubtful', item.doubtful.join('; '));
    for (const f of item.findings || []) {
      add(findings[f].check, findings[f].verdict + (findings[f].message ? ': ' + findings[f].message : ''));
    }
    return rows;
  }

  function showCard(mark) {
    const item = items[Number(mark.dataset.i)];
    if (!item) return;
    const title = item.type === 'claim' ? 'claim' : item.type === 'quantity' ? 'figure (no claim)' : item.type;
    const list = el('dl');
    for (const row of cardRows(item)) append(list, [el('dt', null, row[0]), el('dd', null, row[1])]);
    const parts = [el('h3', null, [title + ': ' + (item.text || ''), item.target ? ' ' : null, targetBadge(item)]), list];
    if (item.crop) parts.push(cropImage(item));
    if (item.target) parts.push(el('p', { class: 'target-note' }, UI.text.target_note));
    if (item.why && item.why.length) {
      parts.push(el('div', { class: 'why' }, [
        el('h4', null, 'why'),
        el('ul', null, item.why.map(function (pair) { return el('li', null, pair[0] + ': ' + whyText(pair[1])); })),
        el('p', { class: 'why-legend' }, 'rule: a written rule of the claim binder decided the field. '
          + 'model: the trained binder model chose among the rules’ proposals; “agreeing with” names the rule it sided with.'),
      ]));
    }
    card.replaceChildren(...parts);
    card.hidden = false;
    const box = mark.getBoundingClientRect();
    const width = card.offsetWidth;
    const height = card.offsetHeight;
    const left = Math.max(4, Math.min(box.left, window.innerWidth - width - 8));
    const below = box.bottom + 6;
    card.style.left = left + 'px';
    card.style.top = (below + height < window.innerHeight ? below : Math.max(4, box.top - height - 6)) + 'px';
  }

  function hideCard() { card.hidden = true; }

  function cropImage(item) {  // the scan around a figure read by OCR (report/crops.py), for the reader to check
    return el('img', { class: 'crop', src: item.crop, alt: 'scan: ' + (item.text || ''), title: 'the scan around “' + (item.text || '') + '”' });
  }

  docText.addEventListener('mouseover', function (event) {
    const mark = event.target.closest('mark');
    if (mark) showCard(mark);
  });
  docText.addEventListener('mouseout', function (event) {
    if (!event.relatedTarget || !docText.contains(event.relatedTarget) || !event.relatedTarget.closest('mark')) hideCard();
  });
  docText.addEventListener('focusin', function (event) { if (event.target.matches('mark')) showCard(event.target); });
  docText.addEventListener('focusout', hideCard);
  window.addEventListener('scroll', hideCard, { passive: true });

  // ---- a paged, sortable table -----------------------------------------------------------

  function pager(nav, state, total, redraw) {
    const size = state.size || total || 1;
    const pages = Math.max(1, Math.ceil(total / size));
    state.page = Math.min(state.page, pages - 1);
    const button = function (label, page, disabled) {
      const b = el('button', { type: 'button', disabled: disabled }, label);
      b.addEventListener('click', function () { state.page = page; redraw(); });
      return b;
    };
    nav.replaceChildren(
      button(UI.text.first, 0, state.page === 0), button(UI.text.previous, state.page - 1, state.page === 0),
      el('span', null, say('page', { page: state.page + 1, pages: pages })),
      button(UI.text.next, state.page + 1, state.page >= pages - 1), button(UI.text.last, pages - 1, state.page >= pages - 1),
    );
    return [state.page * size, Math.min(total, (state.page + 1) * size)];
  }

  function fillSelect(select, values, label) {
    const counts = new Map();
    for (const value of values) counts.set(value, (counts.get(value) || 0) + 1);
    const ordered = Array.from(counts.keys()).sort(function (a, b) {
      return a === null ? 1 : b === null ? -1 : collator.compare(a, b);
    });
    for (const value of ordered) {
      const text = (value === null ? UI.text.none : label(value)) + ' (' + counts.get(value) + ')';
      select.appendChild(el('option', { value: JSON.stringify(value) }, text));
    }
  }

  // ---- claims table ----------------------------------------------------------------------

  const claimIds = [];
  items.forEach(function (item, i) { if (item.type === 'claim') claimIds.push(i); });
  let haystack = null;  // claim id -> the text a search looks in, built on the first search

  function searchText(i) {
    if (haystack === null) {
      haystack = new Map();
      for (const k of claimIds) {
        const c = items[k];
        const fields = [c.text, c.indicator, names[c.indicator], c.indicator_text, c.subject, c.period, docs[c.doc].path,
          c.target ? TARGET : ''];
        haystack.set(k, fields.join('\n').toLowerCase());
      }
    }
    return haystack.get(i);
  }

  const claimState = {
    indicator: '', subject: '', period: '', verdict: '', target: '', q: '', size: 100, page: 0, sort: 'doc', dir: 1,
  };
  const claimForm = document.getElementById('claim-filters');
  const claimBody = document.querySelector('#claim-table tbody');

  function flagsOf(item) {
    const flags = [];
    if (item.damaged) flags.push(UI.text.flag_damaged);
    if (item.repeated) flags.push(UI.text.flag_repeated);
    for (const doubt of item.doubtful || []) if (doubt !== 'in a repeated paragraph') flags.push(doubt);
    if (item.unplaced) flags.push(UI.text.flag_not_in_text);
    return flags;
  }

  const sortKeys = {
    doc: function (c) { return c.doc; },
    text: function (c) { return c.text || ''; },
    value: function (c) { return c.value === undefined ? null : Number(c.value); },
    verdict: function (c) { return verdictsOf(c).join(' ') || null; },
    flags: function (c) { return (c.target ? 'target ' : '') + flagsOf(c).join(' ') || null; },
  };

  function matches(i, field, wanted) {
    if (wanted === '') return true;
    const value = JSON.parse(wanted);
    const item = items[i];
    if (field === 'verdict') return value === null ? !(item.findings || []).length : verdictsOf(item).includes(value);
    if (field === 'target') return Boolean(item.target) === value;
    return (item[field] === undefined ? null : item[field]) === value;
  }

  let lastQuery = null;
  let lastRows = [];

  function filteredClaims() {  // claim ids in table order; claimIds are in document and text order
    const s = claimState;
    const key = JSON.stringify([s.indicator, s.subject, s.period, s.verdict, s.target, s.q, s.sort, s.dir]);
    if (key === lastQuery) return lastRows;
    const query = s.q.trim().toLowerCase();
    const rows = claimIds.filter(function (i) {
      return matches(i, 'indicator', s.indicator) && matches(i, 'subject', s.subject) && matches(i, 'period', s.period)
        && matches(i, 'verdict', s.verdict) && matches(i, 'target', s.target)
        && (query === '' || searchText(i).includes(query));
    });
    const keyOf = sortKeys[s.sort] || function (c) { return c[s.sort] === undefined ? null : c[s.sort]; };
    const keyed = rows.map(function (i) { return [keyOf(items[i]), i]; });
    keyed.sort(function (a, b) {
      const x = a[0];
      const y = b[0];
      if (x === y) return a[1] - b[1];
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
      return s.dir * order || a[1] - b[1];
    });
    lastQuery = key;
    lastRows = keyed.map(function (pair) { return pair[1]; });
    return lastRows;
  }

  function claimRow(i) {
    const c = items[i];
    const doc = docs[c.doc];
    const verdicts = verdictsOf(c);
    const css = [verdicts.length ? 'verdict-' + token(verdicts[0]) : '', c.target ? 'is-target' : ''].join(' ').trim();
    return el('tr', { 'data-i': i, class: css || null }, [
      el('td', { class: 'path' }, el('a', { href: '#doc-' + c.doc }, doc.path)),
      el('td', null, [el('a', { href: '#item-' + i, class: 'goto', 'data-item': i }, c.text || '(no text)'), c.crop ? cropImage(c) : null]),
      el('td', { class: 'num', title: c.value || null }, c.damaged ? '—' : c.shown || [c.value || '', c.unit ? ' ' + c.unit : '']),
      el('td', { title: c.qualifier || null }, UI.qualifiers[c.qualifier] || c.qualifier),
      indicatorCell(c.indicator),
      el('td', null, c.subject),
      el('td', null, c.period),
      el('td', { title: c.scope || null }, scopeName(c.scope)),
      el('td', null, c.level),
      el('td', null, verdicts.map(badge)),
      el('td', null, [targetBadge(c)].concat(flagsOf(c).map(function (flag) {
        return el('span', { class: 'flag ' + token(flag) }, flag + ' ');
      }))),
      reviewCell(i),
    ]);
  }

  // ---- offline review: decisions kept in this browser, exported for chanjia reviews import ----

  const REVIEW_KEY = 'chanjia-reviews:' + DATA.report_id;
  const DONE = { confirm: 'confirmed', correct: 'corrected', reject: 'rejected' };
  let decisions = {};
  try { decisions = JSON.parse(localStorage.getItem(REVIEW_KEY) || '{}') || {}; } catch (error) { decisions = {}; }
  const reviewerInput = document.getElementById('reviewer');
  try { reviewerInput.value = localStorage.getItem('chanjia-reviewer') || ''; } catch (error) { /* no storage */ }

  function figureKey(c) { return docs[c.doc].id + ':' + c.start + ':' + c.end; }

  function reviewable(c) { return docs[c.doc].id !== undefined && docs[c.doc].id !== null && c.start !== undefined && c.end !== undefined; }

  function saveDecisions() {
    let note = say('reviews_n', { n: Object.keys(decisions).length });
    try { localStorage.setItem(REVIEW_KEY, JSON.stringify(decisions)); } catch (error) { note = UI.text.not_saved; }
    document.getElementById('review-count').textContent = note;
  }

  function decide(i, action, changes) {
    const c = items[i];
    decisions[figureKey(c)] = {
      doc_id: docs[c.doc].id, path: docs[c.doc].path, start: c.start, end: c.end, text: c.text || '', action: action,
      changes: changes || {}, based_on: c.version || 0, reviewed_at: new Date().toISOString(),
    };
    saveDecisions();
    renderClaims();
  }

  function reviewCell(i) {
    const c = items[i];
    const cell = el('td', { class: 'review-cell' });
    if (!reviewable(c)) return cell;
    const d = decisions[figureKey(c)];
    const button = function (action, label) { return el('button', { type: 'button', 'data-review': action }, label); };
    if (d) {
      const what = UI.text[DONE[d.action]] + (d.changes && d.changes.value !== undefined ? ' → ' + d.changes.value : '');
      return append(cell, [el('span', { class: 'decision decision-' + token(d.action) }, what), ' ', button('undo', UI.text.undo)]);
    }
    return append(cell, [button('confirm', UI.text.confirm), button('correct', UI.text.correct), button('reject', UI.text.reject)]);
  }

  function askValue(cell, i) {
    const input = el('input', { type: 'text', inputmode: 'decimal', size: 10, value: items[i].value || '', 'aria-label': UI.text.new_value });
    const save = el('button', { type: 'button', 'data-review': 'save' }, UI.text.save);
    const problem = el('span', { class: 'flag' });
    cell.replaceChildren(input, save, problem);
    input.focus();
    const done = function () {
      const value = input.value.trim().replace(/[,，]/g, '');
      if (!/^-?[0-9]+(\.[0-9]+)?$/.test(value)) { problem.textContent = UI.text.not_a_number; return; }
      decide(i, 'correct', { value: value });
    };
    save.addEventListener('click', done);
    input.addEventListener('keydown', function (event) { if (event.key === 'Enter') { event.preventDefault(); done(); } });
  }

  claimBody.addEventListener('click', function (event) {
    const button = event.target.closest('button[data-review]');
    if (!button) return;
    const i = Number(button.closest('tr').dataset.i);
    const action = button.dataset.review;
    if (action === 'undo') { delete decisions[figureKey(items[i])]; saveDecisions(); renderClaims(); }
    else if (action === 'correct') askValue(button.closest('td'), i);
    else if (action === 'confirm' || action === 'reject') decide(i, action);
  });

  // A 台账 finding of the database (one with a finding_id): confirmed, its verdict corrected, or rejected.
  function findingKey(f) { return 'finding:' + f.id; }

  function decideFinding(n, action, changes) {
    const f = findings[n];
    decisions[findingKey(f)] = {
      kind: 'finding', finding_id: f.id, ledger: f.ledger ? [f.ledger.file, f.ledger.sheet, f.ledger.cell].filter(Boolean).join('!') : '',
      action: action, changes: changes || {},
      based_on: f.version || 0, reviewed_at: new Date().toISOString(),
    };
    saveDecisions();
  }

  function findingReviewCell(n) {
    const f = findings[n];
    const cell = el('td', { class: 'review-cell', 'data-finding': String(n) });
    if (!f.reviewable) return cell;
    const d = decisions[findingKey(f)];
    const button = function (action, label) { return el('button', { type: 'button', 'data-review': action }, label); };
    if (d) {
      const what = UI.text[DONE[d.action]] + (d.changes && d.changes.verdict ? ' → ' + verdictName(d.changes.verdict) : '');
      return append(cell, [el('span', { class: 'decision decision-' + token(d.action) }, what), ' ', button('undo', UI.text.undo)]);
    }
    return append(cell, [button('confirm', UI.text.confirm), button('correct', UI.text.correct), button('reject', UI.text.reject)]);
  }

  function askVerdict(cell, n, redraw) {
    const select = el('select', { 'aria-label': UI.text.verdict });
    for (const v of LEDGER_VERDICTS) {
      const option = el('option', { value: v }, verdictName(v));
      if (v === findings[n].verdict) option.selected = true;
      select.appendChild(option);
    }
    const save = el('button', { type: 'button' }, UI.text.save);
    cell.replaceChildren(select, save);
    select.focus();
    save.addEventListener('click', function (event) {
      event.stopPropagation();
      decideFinding(n, 'correct', { verdict: select.value });
      redraw();
    });
  }

  reviewerInput.addEventListener('change', function () {
    try { localStorage.setItem('chanjia-reviewer', reviewerInput.value.trim()); } catch (error) { /* no storage */ }
  });

  document.getElementById('review-export').addEventListener('click', function () {
    const file = {
      format: 'chanjia-offline-reviews', version: 1, report: DATA.report_id, reviewer: reviewerInput.value.trim() || null,
      exported_at: new Date().toISOString(), decisions: Object.keys(decisions).map(function (key) { return decisions[key]; }),
    };
    const blob = new Blob([JSON.stringify(file, null, 1)], { type: 'application/json' });
    const link = el('a', { href: URL.createObjectURL(blob), download: 'chanjia-reviews-' + DATA.report_id + '.json' });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  // ---- districts: the assessment table of one district, its charts, CSV made here ----------

  const D = DATA.districts;
  const districtForm = document.getElementById('district-filters');
  const districtBody = document.querySelector('#district-table tbody');

  function districtWord(key, vars) {
    return D.words[key].replace(/\{(\w+)\}/g, function (whole, name) { return String(vars[name]); });
  }

  function option(select, value, label) {
    select.appendChild(el('option', { value: value }, label));
  }

  function renderDistricts() {
    rendered.districts = true;
    const regions = new Map();
    for (const row of D.rows) regions.set(row.code, row.region);
    const codes = Array.from(regions.keys()).sort();
    for (const code of codes) option(districtForm.elements.code, code, regions.get(code));
    for (const year of Array.from(new Set(D.rows.map(function (r) { return r.year; }))).sort()) {
      option(districtForm.elements.year, String(year), String(year));
    }
    const used = Array.from(new Set(D.rows.map(function (r) { return r.indicator; }))).sort(function (a, b) {
      return collator.compare(indicatorLabel(a), indicatorLabel(b));
    });
    for (const id of used) option(districtForm.elements.indicator, id, indicatorLabel(id));
    for (const verdict of Object.keys(DATA.help.verdicts)) option(districtForm.elements.verdict, verdict, verdictName(verdict));
    if (!codes.length) districtBody.replaceChildren(el('tr', null, el('td', { colspan: 9 }, D.words.no_rows)));
    drawDistrict();
  }

  function districtRows() {
    const f = districtForm.elements;
    return D.rows.filter(function (r) {
      return r.code === f.code.value && (!f.year.value || String(r.year) === f.year.value) &&
        (!f.indicator.value || r.indicator === f.indicator.value) && (!f.verdict.value || r.ledger_verdict === f.verdict.value) &&
        (f.targets.value !== 'exclude' || !r.target);
    });
  }

  function evidenceText(row) {
    return row.evidence.map(function (e) { return e.path + ' ' + districtWord('paragraph', { n: e.paragraph }); }).join('; ');
  }

  function drawDistrict() {
    const code = districtForm.elements.code.value;
    const rows = districtRows();
    const name = rows.length ? rows[0].region : (D.rows.find(function (r) { return r.code === code; }) || {}).region;
    document.getElementById('district-title').textContent = name ? districtWord('district_h', { name: name }) : '';
    document.getElementById('district-count').textContent = rows.length + ' / ' +
      D.rows.filter(function (r) { return r.code === code; }).length;
    const fragment = document.createDocumentFragment();
    for (const r of rows) {
      fragment.appendChild(el('tr', { 'data-indicator': r.indicator }, [
        el('td', { title: r.indicator }, [indicatorLabel(r.indicator), r.target ? ' ' : null,
          r.target ? el('span', { class: 'badge target' }, TARGET) : null]),
        el('td', null, String(r.year)),
        el('td', { class: 'num' }, r.shown || ''),
        el('td', null, r.text || ''),
        el('td', null, [D.bases[r.basis] || r.basis, r.scope ? el('div', { class: 'hint' }, scopeName(r.scope)) : null]),
        el('td', null, r.reviewed_by ? districtWord('reviewed_by', { name: r.reviewed_by }) : ''),
        el('td', { class: 'num' }, r.ledger_shown || ''),
        el('td', null, r.ledger_verdict ? badge(r.ledger_verdict) : ''),
        el('td', { class: 'hint' }, evidenceText(r)),
      ]));
    }
    if (!rows.length) fragment.appendChild(el('tr', null, el('td', { colspan: 9 }, D.words.no_rows)));
    districtBody.replaceChildren(fragment);
    drawDistrictCharts(code);
  }

  const SVG = document.getElementById('svg-namespace').namespaceURI;  // no address written in the page

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function drawDistrictCharts(code) {  // one chart per indicator and family: one figure a year, never added
    const box = document.getElementById('district-charts');
    const wanted = districtForm.elements.indicator.value;
    const charts = (D.charts[code] || []).filter(function (c) { return !wanted || c.indicator === wanted; });
    const fragment = document.createDocumentFragment();
    for (const chart of charts) {
      const top = Math.max.apply(null, chart.bars.map(function (b) { return Number(b[1]); }).concat([1]));
      const height = 24 * chart.bars.length + 6;
      const svg = svgEl('svg', { class: 'chart', role: 'img', viewBox: '0 0 380 ' + height, width: 380, height: height });
      svg.setAttribute('aria-label', shown(chart.title));
      chart.bars.forEach(function (bar, n) {
        const y = 3 + n * 24;
        const width = Number(bar[1]) ? Math.max(1, Number(bar[1]) / top * 200) : 0;
        const g = svgEl('g', { class: 'bar' });
        g.appendChild(svgEl('title', {}, bar[0] + ': ' + bar[2]));
        g.appendChild(svgEl('text', { x: 44, y: y + 16, 'text-anchor': 'end' }, bar[0]));
        g.appendChild(svgEl('rect', { x: 52, y: y + 3, width: width.toFixed(1), height: 18, rx: 2 }));
        g.appendChild(svgEl('text', { x: (58 + width).toFixed(1), y: y + 16 }, bar[2]));
        svg.appendChild(g);
      });
      const figure = el('figure', { class: 'chart-box f-' + token(chart.family), 'data-indicator': chart.indicator,
        'data-family': chart.family }, el('figcaption', null, chart.title));
      figure.appendChild(svg);
      fragment.appendChild(figure);
    }
    if (!charts.length) fragment.appendChild(el('p', { class: 'empty' }, D.words.no_chart));
    box.replaceChildren(fragment);
  }

  districtForm.addEventListener('change', drawDistrict);

  // A cell a spreadsheet would run as a formula (= + - @, a tab or a carriage return first, not a
  // plain number) gets a leading quote, as chanjia's own exports do (OWASP's rule).
  const FORMULA = /^[=+\-@\t\r]/;
  const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

  function csvCell(value) {
    let text = value === null || value === undefined ? '' : String(value);
    if (FORMULA.test(text) && !PLAIN_NUMBER.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  document.getElementById('district-csv').addEventListener('click', function () {
    const w = D.words;
    const lines = [[w.region, w.indicator, 'indicator', w.year, w.target, w.value, w.unit, w.figure, w.scope, w.basis,
      w.reviewed, w.ledger_value, w.ledger_cell, w.verdict, w.evidence]];
    for (const r of districtRows()) {
      lines.push([r.region, ZH ? names[r.indicator] || r.indicator : r.indicator, r.indicator, r.year, r.target ? w.target : '',
        r.value, r.unit, r.text, scopeName(r.scope), D.bases[r.basis] || r.basis,
        r.reviewed_by ? districtWord('reviewed_by', { name: r.reviewed_by }) : '', r.ledger_value, r.ledger_cell,
        r.ledger_verdict ? verdictName(r.ledger_verdict) : '', evidenceText(r)]);
    }
    const text = '\ufeff' + lines.map(function (line) { return line.map(csvCell).join(','); }).join('\r\n') + '\r\n';
    const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
    const year = districtForm.elements.year.value || 'all';
    const region = (districtRows()[0] || {}).region || districtForm.elements.code.value;
    const link = el('a', { href: URL.createObjectURL(blob), download: region + '-' + year + '.csv' });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  function renderClaims() {
    const rows = filteredClaims();
    const range = pager(document.getElementById('claim-pager'), claimState, rows.length, renderClaims);
    const fragment = document.createDocumentFragment();
    for (let k = range[0]; k < range[1]; k++) fragment.appendChild(claimRow(rows[k]));
    claimBody.replaceChildren(fragment);
    const filtered = rows.length < claimIds.length ? say('filtered_from', { all: claimIds.length }) : '';
    document.getElementById('claim-count').textContent = rows.length
      ? say('claims_range', { from: range[0] + 1, to: range[1], total: rows.length }) + filtered
      : UI.text.no_claims;
    claimBody.dataset.total = String(rows.length);
    for (const b of document.querySelectorAll('#claim-table [data-sort]')) {
      if (b.dataset.sort === claimState.sort) b.dataset.dir = String(claimState.dir); else delete b.dataset.dir;
    }
  }

  function readClaimForm() {
    for (const name of ['indicator', 'subject', 'period', 'verdict', 'target', 'q']) claimState[name] = claimForm.elements[name].value;
    claimState.size = Number(claimForm.elements.size.value);
    claimState.page = 0;
    renderClaims();
  }

  function claimValues(field) {
    return claimIds.map(function (i) { return items[i][field] === undefined ? null : items[i][field]; });
  }

  fillSelect(claimForm.elements.indicator, claimValues('indicator'), indicatorLabel);
  fillSelect(claimForm.elements.subject, claimValues('subject'), String);
  fillSelect(claimForm.elements.period, claimValues('period'), String);
  fillSelect(claimForm.elements.verdict, [].concat.apply([], claimIds.map(function (i) {
    const verdicts = verdictsOf(items[i]);
    return verdicts.length ? verdicts : [null];
  })), verdictName);
  fillSelect(claimForm.elements.target, claimIds.map(function (i) { return Boolean(items[i].target); }), function (value) {
    return value ? UI.text.target_values : UI.text.achieved;
  });
  claimForm.addEventListener('change', readClaimForm);
  claimForm.addEventListener('input', function (event) { if (event.target.name === 'q') readClaimForm(); });
  claimForm.addEventListener('submit', function (event) { event.preventDefault(); });
  claimForm.addEventListener('reset', function () { setTimeout(readClaimForm, 0); });
  document.querySelector('#claim-table thead').addEventListener('click', function (event) {
    const button = event.target.closest('[data-sort]');
    if (!button) return;
    claimState.dir = claimState.sort === button.dataset.sort ? -claimState.dir : 1;
    claimState.sort = button.dataset.sort;
    renderClaims();
  });

  function filterClaims(field, value) {
    const select = claimForm.elements[field];
    const wanted = value === '(none)' ? 'null' : JSON.stringify(value);
    if (!select || !Array.from(select.options).some(function (o) { return o.value === wanted; })) {
      if (field === 'verdict') go('#checks');  // a verdict no claim has: its findings are there
      return;
    }
    claimForm.reset();
    select.value = wanted;
    readClaimForm();
    go('#claims');
  }

  for (const bar of document.querySelectorAll('svg [data-filter]')) {
    const go = function () { filterClaims(bar.dataset.filter, bar.dataset.value); };
    bar.addEventListener('click', go);
    bar.addEventListener('keydown', function (event) { if (event.key === 'Enter') go(); });
  }



  // ---- cross-check view ------------------------------------------------------------------

  function evidenceLinks(finding) {
    return finding.evidence.map(function (e) {
      const label = (e.role ? ((UI.roles || {})[e.role] || e.role) + ': ' : '') + '“' + (e.text || '') + '”';
      const where = e.path || (e.doc !== undefined ? docs[e.doc].path : '');
      const link = e.item !== undefined
        ? el('a', { href: '#item-' + e.item, 'data-item': e.item }, label)
        : e.doc !== undefined ? el('a', { href: '#doc-' + e.doc }, label) : el('span', null, label);
      return el('span', { class: 'evidence' }, [link, where ? ' (' + where + ')' : '']);
    });
  }

  function ledgerCell(ledger) {  // 台账.xlsx › sheet › D5, with the file's full path on hover
    if (!ledger) return null;
    const cell = ledger.cell || [ledger.column, ledger.row].filter(Boolean).join('') || (ledger.row ? 'row ' + ledger.row : '');
    const file = ledger.file ? ledger.file.split(/[\\/]/).pop() : '';
    const where = [file, ledger.sheet, cell].filter(Boolean).join(' › ');
    return el('span', { title: ledger.file || null }, ledger.value ? where + ' = ' + ledger.value : where);
  }

  function renderChecks() {
    rendered.checks = true;
    const ledgerIds = [];
    const internal = [];
    const copied = [];
    const uncovered = [];
    findings.forEach(function (f, n) {
      if (LEDGER_CHECKS.has(f.check)) ledgerIds.push(n);
      else if (f.check === 'uncovered_claim') uncovered.push(n);
      else if (f.check === 'copied_text') copied.push(n);
      else internal.push(n);
    });
    const form = document.getElementById('ledger-filters');
    fillSelect(form.elements.verdict, ledgerIds.map(function (n) { return findings[n].verdict; }), verdictName);
    const state = { verdict: '', page: 0, size: 100 };
    const body = document.querySelector('#ledger-table tbody');
    let drawLedger = function () {};
    const draw = function () {
      const wanted = state.verdict === '' ? null : JSON.parse(state.verdict);
      const rows = ledgerIds.filter(function (n) { return wanted === null || findings[n].verdict === wanted; });
      const range = pager(document.getElementById('ledger-pager'), state, rows.length, draw);
      const fragment = document.createDocumentFragment();
      for (let k = range[0]; k < range[1]; k++) {
        const f = findings[rows[k]];
        fragment.appendChild(el('tr', { class: 'verdict-' + token(f.verdict) }, [
          el('td', null, badge(f.verdict)), el('td', null, checkName(f.check)), el('td', null, ledgerCell(f.ledger)),
          indicatorCell(f.indicator), el('td', null, f.subject), el('td', null, f.period),
          el('td', { class: 'num' }, f.observed_shown || f.observed), el('td', { class: 'num' }, f.expected_shown || f.expected),
          el('td', { class: 'num' }, f.gap_shown || f.gap),
          el('td', null, f.message), el('td', null, evidenceLinks(f)), findingReviewCell(rows[k]),
        ]));
      }
      body.replaceChildren(fragment);
      document.getElementById('ledger-count').textContent = ledgerIds.length
        ? say('ledger_count', { shown: rows.length, all: ledgerIds.length })
        : UI.text.no_ledger;
    };
    form.addEventListener('change', function () { state.verdict = form.elements.verdict.value; state.page = 0; draw(); });
    body.addEventListener('click', function (event) {
      const button = event.target.closest('button[data-review]');
      if (!button) return;
      const n = Number(button.closest('td').dataset.finding);
      const action = button.dataset.review;
      if (action === 'undo') { delete decisions[findingKey(findings[n])]; saveDecisions(); draw(); }
      else if (action === 'correct') askVerdict(button.closest('td'), n, draw);
      else if (action === 'confirm' || action === 'reject') { decideFinding(n, action); draw(); }
    });
    drawLedger = draw;
    pagedForPrint(state, function () { drawLedger(); });
    draw();
    document.getElementById('uncovered-count').textContent = String(uncovered.length);
    cardList(document.getElementById('uncovered-findings'), uncovered, UI.text.all_covered);
    cardList(document.getElementById('internal-findings'), internal, UI.text.no_internal);
    cardList(document.getElementById('copied-findings'), copied, UI.text.no_copies);
  }

  function cardList(list, ids, empty) {
    const step = 100;
    let shown = 0;
    const more = el('li', { class: 'more' }, el('button', { type: 'button' }, UI.text.show_more));
    const draw = function () {
      const fragment = document.createDocumentFragment();
      for (const n of ids.slice(shown, shown + step)) {
        const f = findings[n];
        const numbers = [f.expected && say('expected_n', { n: f.expected }), f.observed && say('observed_n', { n: f.observed }),
          f.gap && say('gap_n', { n: f.gap })]
          .filter(Boolean).join(' · ');
        const about = [indicatorLabel(f.indicator), f.subject, f.period].filter(Boolean).join(' · ');
        fragment.appendChild(el('li', { class: 'verdict-' + token(f.verdict) }, [
          el('p', null, [badge(f.verdict), ' ', el('b', null, checkName(f.check)), about ? ' ' + about : '']),
          el('p', null, f.message), numbers ? el('p', { class: 'numbers' }, numbers) : null,
        ].concat(evidenceLinks(f))));
      }
      shown += step;
      list.insertBefore(fragment, more.parentNode ? more : null);
      if (shown >= ids.length) more.remove(); else list.appendChild(more);
    };
    more.addEventListener('click', draw);
    if (!ids.length) list.appendChild(el('li', { class: 'empty' }, empty));
    else draw();
  }

  // ---- start -----------------------------------------------------------------------------

  const header = document.querySelector('header.top');
  const measureHeader = function () { document.documentElement.style.setProperty('--head', header.offsetHeight + 'px'); };
  window.addEventListener('resize', measureHeader);
  measureHeader();
  pagedForPrint(claimState, renderClaims);
  if (Object.keys(decisions).length) saveDecisions();
  if (printMedia.matches) setPrinting(true);
  renderClaims();
  performance.mark('chanjia:table-rendered');
  document.documentElement.dataset.ready = 'true';
  if (location.hash) route();
})();
