// Entity pages: the records table, a record's form, actions, history.

import { h, labeled, message, errorText, dialog, confirmDialog, show, json, dateTime } from './ui.js';
import { get, put, post, del, ApiError } from './api.js';
import { form, showErrors } from './form.js';
import { go, flash, link } from './app.js';

// filterParams turns the filter box (field=value&…, the query language's
// query-string form) into query parameters.
export function filterParams(text) {
  const out = [];
  for (const part of text.split('&').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`"${part}" is not field=value`);
    out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

const prevOffsets = new Map(); // entity → offsets of the pages before

// list is the records table of an entity; the hash keeps its state:
// f filter, s sort field, d sort direction, o offset, c columns.
export async function list(ent, q) {
  const cols = q.get('c') ? q.get('c').split(',') : ent.fields.filter((f) => f.type !== 'nestedFields').slice(0, 6).map((f) => f.name);
  const filter = q.get('f') || '';
  const sort = q.get('s') || '', dir = q.get('d') || 'asc';
  const state = (changes) => {
    const p = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) { if (v) p.set(k, v); else p.delete(k); }
    return `#/e/${ent.name}?${p}`;
  };
  const view = h('section', null, h('h1', { tabindex: '-1' }, ent.label));
  const filterBox = h('input', { type: 'search', value: filter, placeholder: 'state=active&numberOfEmployees=greater(10)', class: 'mono' });
  view.append(h('form', {
    class: 'filter', role: 'search', onsubmit: (ev) => { ev.preventDefault(); prevOffsets.delete(ent.name); go(state({ f: filterBox.value.trim(), o: '' })); },
  }, labeled('Filter (query language)', filterBox), h('button', null, 'Apply')));

  let params;
  try { params = filterParams(filter); } catch (e) { view.append(message(e.message, 'error')); return view; }
  if (sort) params.push(['_sortField', sort], ['_sortType', dir]);
  params.push(['_size', '20'], ['_fields', cols.join(',')]);
  if (q.get('o')) params.push(['_offset', q.get('o')]);
  let page;
  try {
    page = await get(`/data/${ent.name}`, params);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) throw e;
    view.append(message(errorText(e), 'error'));
    return view;
  }

  const fields = cols.map((n) => ent.fields.find((f) => f.name === n)).filter(Boolean);
  const selected = new Set();
  const selCount = h('span', { role: 'status' }, '');
  const needSel = [];
  const onSel = () => { selCount.textContent = selected.size ? `${selected.size} selected` : ''; needSel.forEach((b) => { b.disabled = !selected.size; }); };
  const selButton = (text, fn, cls) => { const b = h('button', { type: 'button', class: cls, disabled: true, onclick: () => fn([...selected]) }, text); needSel.push(b); return b; };

  const toolbar = h('div', { class: 'toolbar' },
    h('a', { class: 'button', href: `#/e/${ent.name}/new` }, 'New'),
    selButton('Delete selected', (ids) => deleteRecords(ent, ids), 'danger'),
    ent.actions.filter((a) => a.type !== 'global').map((a) => selButton(a.label, (ids) => runAction(ent, a, ids))),
    ent.actions.filter((a) => a.type === 'global').map((a) => h('button', { type: 'button', onclick: () => runAction(ent, a, null) }, a.label)),
    h('button', { type: 'button', class: 'danger', onclick: () => deleteMatching(ent, filter) }, 'Delete all matching (background)'),
    link(`#/e/${ent.name}/history`, 'History'),
    selCount);
  view.append(toolbar);

  // Column choice: _fields.
  const picks = ent.fields.map((f) => {
    const cb = h('input', { type: 'checkbox', checked: cols.includes(f.name), value: f.name });
    return h('label', { class: 'check' }, cb, ' ', f.label);
  });
  view.append(h('details', { class: 'columns' }, h('summary', null, 'Columns'),
    h('form', { onsubmit: (ev) => { ev.preventDefault(); const c = [...ev.target.querySelectorAll('input:checked')].map((i) => i.value); go(state({ c: c.join(','), o: '' })); } },
      picks, h('button', null, 'Show columns'))));

  const all = h('input', { type: 'checkbox', 'aria-label': 'Select all records on this page' });
  const boxes = [];
  all.addEventListener('change', () => { boxes.forEach((b) => { b.checked = all.checked; b.dispatchEvent(new Event('change')); }); });
  const th = (f) => {
    const on = sort === f.name;
    const next = on && dir === 'asc' ? 'desc' : 'asc';
    return h('th', { scope: 'col', 'aria-sort': on ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', class: 'sort', onclick: () => { prevOffsets.delete(ent.name); go(state({ s: f.name, d: next, o: '' })); } },
        f.label, on ? (dir === 'asc' ? ' ▲' : ' ▼') : ''));
  };
  const rows = page.items.map((r) => {
    const cb = h('input', { type: 'checkbox', 'aria-label': `Select ${r.label}` });
    cb.addEventListener('change', () => { if (cb.checked) selected.add(r.id); else selected.delete(r.id); onSel(); });
    boxes.push(cb);
    return h('tr', null, h('td', null, cb), h('td', null, h('a', { href: `#/e/${ent.name}/r/${r.id}` }, r.label || r.id)),
      fields.map((f) => h('td', null, show(f, r[f.name]))));
  });
  view.append(h('div', { class: 'table-wrap' }, h('table', null,
    h('caption', null, `${ent.label}: ${page.total} records`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, all), h('th', { scope: 'col' }, 'Record'), fields.map(th))),
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: fields.length + 2 }, 'No records'))))));

  // Paging: the envelope's offset continues; the offsets seen go back.
  const before = prevOffsets.get(ent.name) || [];
  const cur = q.get('o') || '';
  view.append(h('nav', { class: 'pager', 'aria-label': 'Pages' },
    h('button', { type: 'button', disabled: !cur, onclick: () => { const p = before.pop() || ''; go(state({ o: p })); } }, 'Previous'),
    h('span', null, `${page.items.length} of ${page.total}`),
    h('button', { type: 'button', disabled: !page.offset || !page.items.length, onclick: () => { before.push(cur); prevOffsets.set(ent.name, before); go(state({ o: String(page.offset) })); } }, 'Next')));
  return view;
}

async function deleteRecords(ent, ids) {
  if (!await confirmDialog('Delete records', `Delete ${ids.length} record(s) of ${ent.label}? This cannot be undone.`, 'Delete')) return;
  try {
    const res = await del(`/data/${ent.name}/${ids.join(',')}`);
    const failed = ids.length > 1 ? Object.values(res).filter((x) => x.status !== 'ok') : [];
    flash(failed.length ? `${failed.length} not deleted: ${failed.map((x) => x.errorMessage).join('; ')}` : `Deleted ${ids.length} record(s)`, failed.length ? 'error' : 'info');
  } catch (e) { flash(errorText(e), 'error'); }
  go(null);
}

async function deleteMatching(ent, filter) {
  const what = filter ? `every record of ${ent.label} matching ${filter}` : `every record of ${ent.label}`;
  if (!await confirmDialog('Delete in the background', `Delete ${what}? A job does it; you will watch it.`, 'Delete')) return;
  try {
    const ref = await del(`/data/${ent.name}`, [...filterParams(filter), ['_async', 'true']]);
    go(`#/jobs/${ref.jobId}`);
  } catch (e) { flash(errorText(e), 'error'); go(null); }
}

// runAction asks for the action's parameters (when it has some), runs it
// over ids (null: a global action) and shows its answer.
export async function runAction(ent, a, ids, after) {
  const answer = await dialog(a.label, (close) => {
    const slots = new Map();
    const f = form(a.params, {}, { slots, entity: ent.name });
    const bg = h('input', { type: 'checkbox' });
    const err = h('div');
    const submit = async (ev) => {
      ev.preventDefault();
      err.replaceChildren();
      const path = ids ? `/data/${ent.name}/${ids.join(',')}/${a.name}` : `/data/${ent.name}/${a.name}`;
      try {
        close(await put(path, f.get(), bg.checked ? { _async: 'true' } : undefined));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 401) { close(undefined); return; }
        const rest = showErrors(slots, e.errors);
        err.append(message(e.code === 'validationErrors' && !rest.length ? e.message : errorText({ ...e, errors: rest }), 'error'));
      }
    };
    return h('form', { novalidate: true, onsubmit: submit },
      ids ? h('p', null, `On ${ids.length} record(s)`) : null, f.el,
      h('label', { class: 'check' }, bg, ' Run in the background (a job)'), err,
      h('div', { class: 'buttons' }, h('button', null, 'Run'), h('button', { type: 'button', onclick: () => close(undefined) }, 'Cancel')));
  });
  if (answer === undefined) return;
  if (answer?.jobId) { go(`#/jobs/${answer.jobId}`); return; }
  if (answer?.id && answer.version !== undefined) { // one record: the record after the action
    if (after) after(answer);
    else { flash(`${a.label}: done on ${answer.label}`); go(null); }
    return;
  }
  await dialog(`${a.label}: result`, (close) => h('div', null, resultView(answer),
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => close() }, 'Close'))));
  go(null);
}

// resultView shows an answer: a per-record result map as a table, anything
// else as JSON.
function resultView(v) {
  const entries = v && typeof v === 'object' ? Object.entries(v) : [];
  if (entries.length && entries.every(([, x]) => x && (x.status === 'ok' || x.status === 'error'))) {
    return h('table', { class: 'results' }, h('thead', null, h('tr', null, h('th', null, 'Record'), h('th', null, 'Status'), h('th', null, 'Detail'))),
      h('tbody', null, entries.map(([id, x]) => h('tr', null, h('td', null, x.response?.label || id), h('td', null, x.status), h('td', null, x.errorMessage || '')))));
  }
  return json(v);
}

// record is a record's form (id null: a new record).
export async function record(ent, id) {
  const rec = id ? await get(`/data/${ent.name}/${id}`) : {};
  const view = h('section', null,
    h('p', { class: 'crumbs' }, link(`#/e/${ent.name}`, ent.label), ' / '),
    h('h1', { tabindex: '-1' }, id ? rec.label || id : `New ${ent.label}`));
  const slots = new Map();
  const f = form(ent.fields, rec, { slots, entity: ent.name, id });
  const top = h('div', { class: 'form-errors' });
  const save = async (ev) => {
    ev.preventDefault();
    top.replaceChildren();
    const body = f.get();
    if (id) body.version = rec.version;
    try {
      const r = id ? await put(`/data/${ent.name}/${id}`, body) : await post(`/data/${ent.name}`, body);
      flash(id ? 'Saved' : 'Created');
      go(`#/e/${ent.name}/r/${r.id}`, !id);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 401) throw e;
      if (e.code === 'optimisticLocking') {
        top.append(h('div', { class: 'msg error', role: 'alert' },
          'Someone changed this record after you opened it (its version is no longer ', String(rec.version),
          '). Reload to see their changes, then make yours again. ',
          h('button', { type: 'button', onclick: () => go(null) }, 'Reload')));
        return;
      }
      const rest = showErrors(slots, e.errors);
      top.append(message(e.code === 'validationErrors' ? `${e.message}${rest.length ? ' — ' + rest.map((x) => `${x.field}: ${x.message}`).join('; ') : ''}` : errorText(e), 'error'));
      const first = view.querySelector('.field-error:not(:empty)');
      first?.parentElement.querySelector('input,select,textarea')?.focus();
    }
  };
  const buttons = h('div', { class: 'buttons' }, h('button', null, id ? 'Save' : 'Create'));
  if (id) {
    buttons.append(
      h('button', { type: 'button', class: 'danger', onclick: () => deleteOne(ent, rec) }, 'Delete'),
      ...ent.actions.filter((a) => a.type !== 'global').map((a) => h('button', {
        type: 'button', onclick: () => runAction(ent, a, [id], (r) => { flash(`${a.label}: done`); go(`#/e/${ent.name}/r/${r.id}`); }),
      }, a.label)),
      link(`#/e/${ent.name}/r/${id}/history`, 'History'));
  }
  view.append(h('form', { novalidate: true, onsubmit: save, class: 'record' }, top, f.el, buttons));
  return view;
}

async function deleteOne(ent, rec) {
  if (!await confirmDialog('Delete record', `Delete ${rec.label}? This cannot be undone.`, 'Delete')) return;
  try {
    await del(`/data/${ent.name}/${rec.id}`);
    flash(`Deleted ${rec.label}`);
    go(`#/e/${ent.name}`);
  } catch (e) { flash(errorText(e), 'error'); go(null); }
}

// history is the history of a record (id) or of the entity (no id).
export async function history(ent, id, q) {
  const params = { _size: 50, _offset: q.get('o') || undefined };
  const page = await get(id ? `/data/${ent.name}/${id}/auditLogs` : `/data/${ent.name}/auditLogs`, params);
  const back = id ? link(`#/e/${ent.name}/r/${id}`, 'Back to the record') : link(`#/e/${ent.name}`, ent.label);
  const label = (name) => ent.fields.find((f) => f.name === name)?.label || name;
  const changes = (e) => {
    const keys = [...new Set([...Object.keys(e.oldRecord || {}), ...Object.keys(e.newRecord || {})])].filter((k) => !['id', 'version', 'label'].includes(k));
    const text = (x) => (x && typeof x === 'object' && 'text' in x ? x.text : show(null, x));
    return h('table', { class: 'changes' }, h('thead', null, h('tr', null, h('th', null, 'Field'), h('th', null, 'Before'), h('th', null, 'After'))),
      h('tbody', null, keys.map((k) => h('tr', null, h('td', null, label(k)), h('td', null, text(e.oldRecord?.[k])), h('td', null, text(e.newRecord?.[k]))))));
  };
  return h('section', null, h('p', { class: 'crumbs' }, back),
    h('h1', { tabindex: '-1' }, `History of ${id ? page.items[0]?.recordName || id : ent.label}`),
    h('p', null, `${page.total} entries, newest first`),
    h('ol', { class: 'history' }, page.items.map((e) => h('li', null,
      h('p', null, h('strong', null, e.eventType), ` ${dateTime(e.timestamp)} by ${e.user || 'system'}`, id ? '' : ` — ${e.recordName}`),
      changes(e)))),
    page.offset ? link(`#/e/${ent.name}${id ? '/r/' + id : ''}/history?o=${page.offset}`, 'Older entries') : null);
}

