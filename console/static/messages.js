// The app's messages to this session (sys.ui.sendMessage): a stream of
// server-sent events from GET /ui/messages, read while a session is open,
// shown in a live region outside the pages (so a page change keeps them).

import { base, session } from './api.js';
import { h } from './ui.js';

let current = null; // { token, stop: AbortController } of the stream read now

// follow reads the current session's messages, and stops reading those of
// a session that ended (call it whenever the session may have changed).
export function follow() {
  const token = session.get()?.token || null;
  if (current?.token === token) return;
  current?.stop.abort();
  current = null;
  document.body.dataset.messages = 'off';
  if (!token) return;
  current = { token, stop: new AbortController() };
  listen(token, current.stop.signal);
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

// listen keeps the stream open: it reconnects (backing off) when the
// server ends it — a restart, another process — until the session ends.
async function listen(token, signal) {
  for (let retry = 0; !signal.aborted; retry++) {
    try {
      const r = await fetch(base + '/ui/messages', { headers: { token }, signal });
      if (r.status === 401) return; // the session ended: the next API call shows the login
      if (r.ok) {
        retry = 0;
        document.body.dataset.messages = 'open'; // tests wait for it
        await read(r.body);
      }
    } catch {
      if (signal.aborted) return;
    }
    document.body.dataset.messages = 'retrying';
    await sleep(Math.min(30000, 500 * 2 ** retry), signal);
  }
}

// read shows each "message" event of the stream until it ends.
async function read(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
      const lines = buf.slice(0, i).split('\n');
      buf = buf.slice(i + 2);
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (data && lines.includes('event: message')) {
        try { show(JSON.parse(data)); } catch { /* not JSON: not ours to show */ }
      }
    }
  }
}

function region() {
  let r = document.getElementById('ui-messages');
  if (!r) {
    r = h('section', { id: 'ui-messages', class: 'ui-messages', 'aria-live': 'polite', 'aria-label': 'Messages from the app' });
    document.body.append(r);
  }
  return r;
}

// show renders one message: a global reload reloads the page; everything
// else is a dismissable note — its title and text for showMessage, the
// scope and name of the others (the console has no views to refresh).
function show(m) {
  if (m.scope === 'global' && m.name === 'reload') { location.reload(); return; }
  const title = m.title || [m.scope, m.name].filter(Boolean).join(' · ');
  const text = typeof m.message === 'string' ? m.message : null;
  const item = h('div', { class: 'ui-message ' + (m.messageType || 'info'), role: 'status' },
    h('strong', null, title), text ? h('p', null, text) : null,
    h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  region().append(item);
}
