// The console's shell: hash router, login, sidebar, flash messages.

import { h, labeled, message, errorText } from './ui.js';
import { session, login, logout, onExpired, ApiError } from './api.js';
import { app } from './meta.js';
import * as records from './records.js';
import * as status from './status.js';
import { follow } from './messages.js';

const root = document.getElementById('app');
let leaving = [], generation = 0, pending = null;

// onLeave runs fn when the page is left (stop polling).
export function onLeave(fn) { leaving.push(fn); }

// flash shows a message on the next page shown.
export function flash(text, kind = 'info') { pending = { text, kind }; }

export const link = (href, text) => h('a', { href }, text);

// go shows hash (null: the current page again); replace keeps history short.
export function go(hash, replace = false) {
  if (hash == null || hash === location.hash) { render(); return; }
  if (replace) { history.replaceState(null, '', hash); render(); } else location.hash = hash;
}

onExpired(() => { flash('Your session expired or was revoked: log in again.', 'error'); render(); });

function loginPage() {
  const email = h('input', { type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const as = h('input', { type: 'email', autocomplete: 'off' });
  const err = h('div');
  const submit = async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    try {
      await login(email.value.trim(), password.value, as.value.trim());
      if (!location.hash || location.hash === '#/login') history.replaceState(null, '', '#/');
      render();
    } catch (e) { err.append(message(errorText(e), 'error')); }
  };
  return h('main', { class: 'login' }, h('h1', { tabindex: '-1' }, 'Runway console'),
    takeFlash(),
    h('form', { novalidate: true, onsubmit: submit }, labeled('Email', email), labeled('Password', password),
      h('details', null, h('summary', null, 'Log in as another user (impersonation)'), labeled('Email of the user to impersonate', as)),
      err, h('button', null, 'Log in')));
}

function takeFlash() {
  if (!pending) return null;
  const m = message(pending.text, pending.kind);
  pending = null;
  return m;
}

function shell(meta, s, current) {
  const nav = (href, text) => h('li', null, h('a', { href, 'aria-current': current.startsWith(href) ? 'page' : null }, text));
  const who = s.adminUserEmail ? `${s.userEmail} (as ${s.adminUserEmail})` : s.userEmail;
  const out = async () => { await logout().catch(() => {}); flash('Logged out'); history.replaceState(null, '', '#/login'); render(); };
  return [
    h('header', { class: 'top' }, h('a', { class: 'skip', href: '#main' , onclick: (ev) => { ev.preventDefault(); document.getElementById('main')?.focus(); } }, 'Skip to content'),
      h('strong', null, meta.title), h('span', { class: 'who' }, who), h('button', { type: 'button', onclick: out }, 'Log out')),
    h('nav', { class: 'side', 'aria-label': 'Console' },
      h('h2', null, 'Entities'), h('ul', null, [...meta.entities.values()].filter((e) => e.name !== 'sys.users').map((e) => nav(`#/e/${e.name}`, e.label))),
      h('h2', null, 'Status'), h('ul', null, nav('#/jobs', 'Jobs'), nav('#/logs', 'App logs')),
      h('h2', null, 'Developer'), h('ul', null, nav('#/e/sys.users', 'Users'), nav('#/maintenance', 'Maintenance'))),
  ];
}

async function page(meta, parts, q) {
  const entity = (name) => {
    const e = meta.entities.get(name);
    if (!e) throw new Error(`No entity ${name}`);
    return e;
  };
  const [a, b, c, d, e] = parts;
  if (a === 'e' && b) {
    const ent = entity(b);
    if (!c) return records.list(ent, q);
    if (c === 'new') return records.record(ent, null);
    if (c === 'history') return records.history(ent, null, q);
    if (c === 'r' && d && e === 'history') return records.history(ent, d, q);
    if (c === 'r' && d) return records.record(ent, d);
  }
  if (a === 'jobs') return b ? status.job(b) : status.jobs();
  if (a === 'logs') return status.logs(q);
  if (a === 'maintenance') return status.maintenance();
  const first = [...meta.entities.keys()].find((n) => n !== 'sys.users');
  history.replaceState(null, '', `#/e/${first}`);
  return records.list(entity(first), q);
}

async function render() {
  leaving.forEach((fn) => fn());
  leaving = [];
  const gen = ++generation;
  const s = session.get();
  follow();
  if (!s) {
    root.replaceChildren(loginPage());
    root.querySelector('input')?.focus();
    return;
  }
  const [path, qs] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const q = new URLSearchParams(qs || '');
  let meta, content;
  const note = takeFlash();
  try {
    meta = await app();
    content = await page(meta, parts, q);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // onExpired showed the login
    content = message(errorText(e), 'error');
  }
  if (gen !== generation) return;
  const main = h('main', { id: 'main', tabindex: '-1' }, note, content);
  root.replaceChildren(...(meta ? shell(meta, s, location.hash) : []), main);
  if (location.hash !== document.body.dataset.shown) window.scrollTo(0, 0);
  (main.querySelector('h1') || main).focus({ preventScroll: true });
  document.body.dataset.shown = location.hash; // the page shown (tests wait for it)
}

window.addEventListener('hashchange', render);
render();
