// Small DOM helpers shared by the pages.

let seq = 0;
export const uid = (p = 'f') => `${p}${++seq}`;

// h builds an element: h('a', {href: '#/x', onclick: fn}, 'text', child…).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (typeof v !== 'string' && k in el) el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// labeled is a label and its control, the label pointing at the control.
export function labeled(text, control, extra) {
  control.id ||= uid();
  return h('div', { class: 'field' }, h('label', { for: control.id }, text), control, extra);
}

// message is a status line: kind 'error' is announced to screen readers.
export function message(text, kind = 'info') {
  return h('p', { class: 'msg ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// errorText renders an API error with its per-field details.
export function errorText(err) {
  const extra = (err.errors || []).map((e) => `${e.fieldLabel || e.field}: ${e.message}`);
  return [err.message, ...extra].join(' — ');
}

// dialog shows a modal built by body(close) and resolves with what close
// is given (undefined when dismissed with Escape).
export function dialog(title, body) {
  return new Promise((resolve) => {
    const d = h('dialog', { 'aria-label': title });
    const close = (v) => { d.close(); d.remove(); resolve(v); };
    d.addEventListener('cancel', (ev) => { ev.preventDefault(); close(undefined); });
    d.append(h('h2', null, title), body(close));
    document.body.append(d);
    d.showModal();
  });
}

export function confirmDialog(title, text, yes = 'Confirm') {
  return dialog(title, (close) => h('div', null, h('p', null, text),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, yes),
      h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'))));
}

const pad = (n) => String(n).padStart(2, '0');
export function dateTime(ms) {
  if (ms == null || ms === '') return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// show renders a field's value as text for tables.
export function show(f, v) {
  if (v == null) return '';
  if (Array.isArray(v)) return v.map((x) => show({ ...f, many: false }, x)).join(', ');
  switch (f?.type) {
    case 'dateTime': case 'dateRecordCreated': case 'dateRecordModified': return dateTime(v);
    case 'boolean': return v ? 'yes' : 'no';
  }
  if (typeof v === 'object') return v.label ?? v.name ?? JSON.stringify(v);
  return String(v);
}

// json is a readable block of any JSON answer.
export const json = (v) => h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
