// Record and action forms generated from field types. A widget is
// {el, get()}: el is labelled, get() answers the value to send. Each field
// registers an error slot under its path (addresses[1].zipCode), where the
// API's validationErrors entries are shown.

import { h, uid, dateTime } from './ui.js';
import { get, download, upload } from './api.js';
import { app, searchField } from './meta.js';

// form builds the widgets of fields over values; ctx = {slots, entity, id}.
export function form(fields, values, ctx) {
  const ws = fields.map((f) => [f, widget(f, values?.[f.name], f.name, ctx)]);
  return {
    el: h('div', { class: 'fields' }, ws.map(([, w]) => w.el)),
    get: () => Object.fromEntries(ws.filter(([f]) => !f.readOnly).map(([f, w]) => [f.name, w.get()])),
  };
}

// showErrors puts each validationErrors entry beside its field; answers
// the entries no field showed.
export function showErrors(slots, errors) {
  for (const s of slots.values()) s.textContent = '';
  return (errors || []).filter((e) => {
    const s = slots.get(e.field);
    if (s) s.textContent = e.message;
    return !s;
  });
}

function widget(f, v, path, ctx) {
  if (f.readOnly) return readOnly(f, v);
  if (f.many) return many(f, v, path, ctx);
  return single(f, v, path, ctx, f.label);
}

function slot(ctx, path) {
  const s = h('p', { class: 'field-error', id: uid('err'), 'aria-live': 'polite' });
  ctx.slots.set(path, s);
  return s;
}

// field is a labelled control with its error slot.
function field(f, label, control, path, ctx, extra) {
  control.id ||= uid();
  const err = slot(ctx, path);
  control.setAttribute('aria-describedby', err.id);
  return h('div', { class: 'field' + (f.required ? ' required' : '') },
    h('label', { for: control.id }, label), control, extra, err);
}

function readOnly(f, v) {
  const text = v == null ? '' : (f.type.startsWith('date') && typeof v === 'number') ? dateTime(v)
    : typeof v === 'object' ? (Array.isArray(v) ? v.map((x) => x?.label ?? x).join(', ') : v.label ?? JSON.stringify(v)) : String(v);
  return { el: h('div', { class: 'field readonly' }, h('span', { class: 'lbl' }, f.label), h('output', null, text)), get: () => undefined };
}

const pad = (n) => String(n).padStart(2, '0');
function localInput(ms) {
  if (ms == null) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const orNull = (s) => (s === '' ? null : s);
const input = (type, value, more) => h('input', { type, value: value ?? '', ...more });

function single(f, v, path, ctx, label) {
  let c, read;
  switch (f.type) {
    case 'boolean':
      c = h('input', { type: 'checkbox', checked: !!v });
      read = () => c.checked;
      break;
    case 'integer': case 'autoIncrement':
      c = input('number', v, { step: '1' }); read = () => (c.value === '' ? null : Number(c.value));
      break;
    case 'decimal': case 'money': case 'percentage':
      c = input('number', v, { step: 'any' }); read = () => (c.value === '' ? null : Number(c.value));
      break;
    case 'choice':
      c = h('select', null, h('option', { value: '' }, '—'),
        f.choices.map((x) => h('option', { value: x, selected: x === v }, x)));
      read = () => orNull(c.value);
      break;
    case 'date': c = input('date', v); read = () => orNull(c.value); break;
    case 'time': c = input('time', v); read = () => orNull(c.value); break;
    case 'dateTime':
      c = input('datetime-local', localInput(v)); read = () => (c.value ? new Date(c.value).getTime() : null);
      break;
    case 'dateTimeNoTimezone':
      c = input('datetime-local', v ? v.replace(' ', 'T') : ''); read = () => (c.value ? c.value.replace('T', ' ') : null);
      break;
    case 'longText': case 'html': case 'markdown':
      c = h('textarea', { rows: 3 }, v ?? ''); read = () => orNull(c.value);
      break;
    case 'relationship': return picker(f, v, path, ctx, label);
    case 'fileUpload': return fileField(f, v, path, ctx, label);
    case 'nestedFields': return nested(f, v, path, ctx, label);
    default:
      if (v != null && typeof v === 'object') { // geo points, groups, …: their JSON
        c = h('textarea', { rows: 2, class: 'mono' }, JSON.stringify(v));
        read = () => { try { return JSON.parse(c.value); } catch { return orNull(c.value); } };
      } else {
        c = input('text', v); read = () => orNull(c.value);
      }
  }
  return { el: field(f, label, c, path, ctx), get: read };
}

function nested(f, v, path, ctx, label) {
  const inner = f.nested.map((g) => [g, widget(g, v?.[g.name], `${path}.${g.name}`, ctx)]);
  const el = h('fieldset', { class: 'nested' }, h('legend', null, label), inner.map(([, w]) => w.el), slot(ctx, path));
  return {
    el,
    get: () => {
      const o = v?.id ? { id: v.id } : {};
      for (const [g, w] of inner) if (!g.readOnly) o[g.name] = w.get();
      return o;
    },
  };
}

// many is a list of single widgets with add and remove buttons.
function many(f, v, path, ctx) {
  const one = { ...f, many: false };
  let items = Array.isArray(v) ? [...v] : [];
  let ws = [];
  const list = h('div', { class: 'items' });
  const sync = () => { items = ws.map((w) => w.get()); };
  const render = () => {
    ws = items.map((x, i) => single(one, x, `${path}[${i}]`, ctx, `${f.label} ${i + 1}`));
    list.replaceChildren(...ws.map((w, i) => h('div', { class: 'item' }, w.el,
      h('button', { type: 'button', class: 'small', onclick: () => { sync(); items.splice(i, 1); render(); } }, `Remove ${f.label} ${i + 1}`))));
  };
  render();
  const add = h('button', { type: 'button', class: 'small', onclick: () => { sync(); items.push(f.type === 'nestedFields' ? {} : null); render(); } }, `Add ${f.label}`);
  return {
    el: h('fieldset', { class: 'many' }, h('legend', null, f.label), list, add, slot(ctx, path)),
    get: () => ws.map((w) => w.get()),
  };
}

// picker: a relationship as a search-as-you-type combobox over the
// referenced entity's labels.
function picker(f, v, path, ctx, label) {
  let chosen = v && v.id ? { id: v.id, label: v.label } : null;
  const listId = uid('lb');
  const box = input('text', chosen?.label ?? '', {
    role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, autocomplete: 'off',
  });
  const list = h('ul', { role: 'listbox', id: listId, class: 'options', hidden: true, 'aria-label': label + ' options' });
  let options = [], active = -1, timer;
  const close = () => { list.hidden = true; box.setAttribute('aria-expanded', 'false'); active = -1; box.removeAttribute('aria-activedescendant'); };
  const pick = (o) => { chosen = o; box.value = o.label; close(); };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (list.children[i]) box.setAttribute('aria-activedescendant', list.children[i].id);
  };
  const search = async () => {
    const text = box.value.trim();
    const params = { _size: 10, _sortField: 'label', _sortType: 'asc', _fields: 'id' };
    const by = searchField((await app()).entities.get(f.entity));
    if (text && by) params[by] = `like("${text.replace(/["\\]/g, '\\$&')}")`;
    let page;
    try { page = await get(`/data/${f.entity}`, params); } catch { return close(); }
    options = page.items.map((r) => ({ id: r.id, label: r.label }));
    list.replaceChildren(...options.map((o) => h('li', { role: 'option', id: uid('opt'), 'aria-selected': 'false', onmousedown: (ev) => { ev.preventDefault(); pick(o); } }, o.label)));
    if (!options.length) list.append(h('li', { class: 'none' }, 'no match'));
    list.hidden = false;
    box.setAttribute('aria-expanded', 'true');
  };
  box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  box.addEventListener('focus', () => { if (!box.value) search(); });
  box.addEventListener('blur', () => setTimeout(close, 100));
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown') { ev.preventDefault(); if (list.hidden) search(); else mark(Math.min(active + 1, options.length - 1)); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); mark(Math.max(active - 1, 0)); }
    else if (ev.key === 'Enter' && !list.hidden && options[active]) { ev.preventDefault(); picked = true; pick(options[active]); }
    else if (ev.key === 'Escape') close();
  });
  // The Enter that picked an option does not also submit the form (a
  // keypress can follow a canceled keydown when keys are synthesized).
  let picked = false;
  box.addEventListener('keypress', (ev) => { if (ev.key === 'Enter' && picked) ev.preventDefault(); });
  box.addEventListener('keyup', (ev) => { if (ev.key === 'Enter') picked = false; });
  return {
    el: h('div', { class: 'picker' }, field(f, label, box, path, ctx, list)),
    get: () => (chosen && box.value === chosen.label ? { id: chosen.id } : orNull(box.value.trim())),
  };
}

// fileField: the current file (download), a new one (upload), or none.
function fileField(f, v, path, ctx, label) {
  let value = v?.id ? { id: v.id } : null;
  const status = h('span', { class: 'file-name' }, v?.name ?? 'no file');
  const chooser = h('input', { type: 'file' });
  chooser.addEventListener('change', async () => {
    const file = chooser.files[0];
    if (!file) return;
    status.textContent = `uploading ${file.name}…`;
    try { value = await upload(file); status.textContent = `${file.name} (uploaded, saved with the record)`; }
    catch (e) { status.textContent = `upload failed: ${e.message}`; }
  });
  const extra = h('span', { class: 'file' }, status,
    v?.id && ctx.id ? h('button', { type: 'button', class: 'small', onclick: () => download(`/data/${ctx.entity}/${ctx.id}/files/${v.id}`, (v.name || '').replace(/ \([^)]*\)$/, '')) }, 'Download') : null,
    h('button', { type: 'button', class: 'small', onclick: () => { value = null; chooser.value = ''; status.textContent = 'no file'; } }, 'Clear'));
  return { el: field(f, label, chooser, path, ctx, extra), get: () => value };
}
