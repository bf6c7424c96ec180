// The REST API client: the token, JSON calls, errors, session expiry.
// The console talks to nothing else.

const env = location.pathname.split('/')[1] || 'dev';
export const base = `/${env}/runtime/api`;

// An answer that is not 2xx, with the API's error body (rest-api.md §2).
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || '';
    this.errors = body?.errors || [];
  }
}

const key = 'runway.session';
export const session = {
  get() { try { return JSON.parse(sessionStorage.getItem(key)); } catch { return null; } },
  set(s) { sessionStorage.setItem(key, JSON.stringify(s)); },
  clear() { sessionStorage.removeItem(key); },
};

let expired = () => {};
// onExpired is called when a call with a token is answered 401.
export function onExpired(fn) { expired = fn; }

// query turns an object (or a list of [key, value] pairs) into a query string.
export function query(params) {
  const pairs = Array.isArray(params) ? params : Object.entries(params || {});
  const s = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
  return s ? '?' + s : '';
}

// call sends one request; body is JSON unless it is FormData. Answers the
// parsed JSON; throws ApiError.
export async function call(method, path, { params, body, blob } = {}) {
  const headers = {};
  const s = session.get();
  if (s?.token) headers.token = s.token;
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const r = await fetch(base + path + query(params), { method, headers, body: payload });
  if (r.ok && blob) return r.blob();
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { message: text }; }
  if (!r.ok) {
    if (r.status === 401 && s?.token) { session.clear(); expired(); }
    throw new ApiError(r.status, json);
  }
  return json;
}

export const get = (path, params) => call('GET', path, { params });
export const put = (path, body, params) => call('PUT', path, { body, params });
export const post = (path, body, params) => call('POST', path, { body, params });
export const del = (path, params) => call('DELETE', path, { params });

export async function login(email, password, impersonate) {
  const body = { email, password };
  if (impersonate) body.emailImpersonatedUser = impersonate;
  const s = await post('/auth/login', body);
  session.set(s);
  return s;
}

export async function logout() {
  try { await post('/auth/logout'); } finally { session.clear(); }
}

// download fetches a file with the token and saves it under its name.
export async function download(path, name) {
  const b = await call('GET', path, { blob: true });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(b);
  a.download = name || 'download';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// upload sends a file to POST /files and answers its id.
export async function upload(file) {
  const fd = new FormData();
  fd.append('file', file, file.name);
  const r = await call('POST', '/files', { body: fd });
  return r.fileId;
}
