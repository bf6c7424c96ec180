// Status and developer pages: jobs (live), job logs, app logs, maintenance.

import { h, labeled, message, errorText, confirmDialog, json, dateTime } from './ui.js';
import { get, put } from './api.js';
import { go, flash, onLeave, link } from './app.js';

const live = new Set(['PENDING', 'RUNNING', 'STOPPING', 'CANCELING']);

// poll calls fn every second while it answers true and the page is shown.
function poll(fn) {
  let timer, stopped = false;
  const tick = async () => {
    let again = false;
    try { again = await fn(); } catch { again = false; }
    if (again && !stopped) timer = setTimeout(tick, 1000);
  };
  onLeave(() => { stopped = true; clearTimeout(timer); });
  timer = setTimeout(tick, 1000);
}

const progress = (j) => h('progress', { max: '100', value: String(j.progress ?? 0), 'aria-label': `Progress of ${j.label}` }, `${j.progress}%`);

// commands are the buttons a job's status allows.
function commands(j, after) {
  const cmd = (name, text) => h('button', {
    type: 'button', onclick: async () => {
      try { await put(`/status/jobs/${j.id}/${name}`); } catch (e) { flash(errorText(e), 'error'); }
      after();
    },
  }, text);
  switch (j.status) {
    case 'PENDING': case 'RUNNING': return [cmd('stop', 'Stop')];
    case 'STOPPING': return [cmd('forceStop', 'Force stop')];
    case 'STOPPED': return [cmd('resume', 'Resume'), cmd('cancel', 'Cancel')];
  }
  return [];
}

export async function jobs() {
  const body = h('tbody');
  const total = h('p', { role: 'status' });
  const load = async () => {
    const page = await get('/status/jobs', { _size: 50 });
    total.textContent = `${page.total} jobs, newest first`;
    body.replaceChildren(...page.items.map((j) => h('tr', { 'data-status': j.status },
      h('td', null, link(`#/jobs/${j.id}`, j.label)), h('td', null, j.type), h('td', { class: 'status' }, j.status),
      h('td', null, progress(j), ` ${j.recordsProcessed ?? 0}/${j.recordsCount ?? 0}`), h('td', null, dateTime(j.createDate)),
      h('td', null, commands(j, load)))));
    return page.items.some((j) => live.has(j.status));
  };
  const more = await load();
  if (more) poll(load);
  return h('section', null, h('h1', { tabindex: '-1' }, 'Jobs'), total,
    h('div', { class: 'table-wrap' }, h('table', null, h('thead', null, h('tr', null,
      ['Job', 'Type', 'Status', 'Progress', 'Created', 'Commands'].map((t) => h('th', { scope: 'col' }, t)))), body)));
}

export async function job(id) {
  const view = h('section', null, h('p', { class: 'crumbs' }, link('#/jobs', 'Jobs')));
  const head = h('div');
  const logs = h('tbody');
  const results = h('div');
  const load = async () => {
    const j = await get(`/status/jobs/${id}`);
    const lg = await get(`/status/jobs/${id}/logs`, { _size: 200 });
    head.replaceChildren(h('h1', { tabindex: '-1' }, j.label),
      h('p', null, 'Status: ', h('strong', { class: 'job-status', 'data-status': j.status }, j.status), j.hasErrors ? ' (with errors)' : ''),
      h('p', null, progress(j), ` ${j.progress}% — ${j.recordsProcessed ?? 0} of ${j.recordsCount ?? 0} records`),
      h('p', null, `Run by ${j.runBy?.fullName || ''}; created ${dateTime(j.createDate)}`, j.endDate ? `; ended ${dateTime(j.endDate)}` : ''),
      h('div', { class: 'buttons' }, commands(j, load)));
    logs.replaceChildren(...lg.items.map((l) => h('tr', null, h('td', null, dateTime(l.timestamp)), h('td', null, l.level), h('td', null, l.message))));
    results.replaceChildren(h('h2', null, 'Results'), json(j.results ?? null));
    return live.has(j.status);
  };
  if (await load()) poll(load);
  view.append(head, h('h2', null, 'Log'), h('table', null, h('thead', null, h('tr', null, ['Time', 'Level', 'Message'].map((t) => h('th', { scope: 'col' }, t)))), logs), results);
  return view;
}

// logs is the app log with its filters (rest-api.md §8.2), kept in the hash.
export async function logs(q) {
  const field = (name, label, control) => { control.name = name; control.value = q.get(name) || ''; return labeled(label, control); };
  const level = h('select', null, ['', 'INFO', 'WARN', 'ERROR'].map((v) => h('option', { value: v }, v || 'any')));
  const filters = h('form', {
    class: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      const p = new URLSearchParams();
      for (const el of ev.target.elements) if (el.name && el.value) p.set(el.name, el.value);
      go(`#/logs?${p}`);
    },
  }, field('period', 'Period (e.g. 3h 30m, today)', h('input', { type: 'text' })), field('level', 'Level', level),
  field('message', 'Message contains', h('input', { type: 'text' })), field('userEmail', 'User email contains', h('input', { type: 'text' })),
  h('button', null, 'Filter'));
  const view = h('section', null, h('h1', { tabindex: '-1' }, 'App logs'), filters);
  const params = Object.fromEntries(['period', 'level', 'message', 'userEmail', '_offset'].map((k) => [k, q.get(k) || undefined]));
  params._size = 50;
  let page;
  try { page = await get('/status/logs', params); } catch (e) { if (e.status === 401) throw e; view.append(message(errorText(e), 'error')); return view; }
  const next = new URLSearchParams(q);
  next.set('_offset', page.offset || '');
  view.append(h('p', null, `${page.total} logs, newest first`),
    h('div', { class: 'table-wrap' }, h('table', null, h('thead', null, h('tr', null, ['Time', 'Level', 'Type', 'User', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, page.items.map((l) => h('tr', null, h('td', null, dateTime(l.timestamp)), h('td', null, l.level),
        h('td', null, [l.type, l.subType].filter(Boolean).join(' ')), h('td', null, l.userEmail || ''), h('td', null, l.message)))))),
    page.offset ? link(`#/logs?${next}`, 'Older logs') : null);
  return view;
}

export async function maintenance() {
  const m = await get('/maintenance');
  const toggle = async () => {
    const on = !m.enabled;
    if (on && !await confirmDialog('Maintenance mode', 'Switch maintenance mode on? Only developers and super users may then use the app.', 'Switch on')) return;
    try { await put('/maintenance', { enabled: on }); flash(`Maintenance mode is ${on ? 'on' : 'off'}`); } catch (e) { flash(errorText(e), 'error'); }
    go(null);
  };
  return h('section', null, h('h1', { tabindex: '-1' }, 'Maintenance'),
    h('p', null, 'Maintenance mode is ', h('strong', null, m.enabled ? 'on' : 'off'),
      m.enabled ? ': only developers and super users may log in and use the API.' : '.'),
    h('button', { type: 'button', onclick: toggle }, m.enabled ? 'Switch off' : 'Switch on'));
}
