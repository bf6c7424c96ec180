// The app's shape, read from the public OpenAPI document: entities, their
// fields (x-runway-type, x-runway-entity) and actions (x-runway-action).

import { get } from './api.js';

let cached;

export async function app() {
  if (!cached) cached = get('/openapi.json').then(build, (e) => { cached = null; throw e; });
  return cached;
}

const system = new Set(['id', 'version', 'label']);

function fields(props, required = []) {
  return Object.entries(props || {}).filter(([n]) => !system.has(n)).map(([name, s]) => {
    const many = s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'));
    const one = many ? (s.items || {}) : s;
    const desc = s.description || '';
    return {
      name, label: s.title || name, type: s['x-runway-type'] || 'text', many,
      readOnly: !!s.readOnly || /calculated/.test(desc),
      required: required.includes(name) || /(^|; )required/.test(desc),
      entity: s['x-runway-entity'], help: desc,
      choices: (one.enum || s.enum || []).filter((v) => v !== null),
      nested: one.properties && s['x-runway-type'] === 'nestedFields' ? fields(one.properties) : null,
    };
  });
}

function deref(doc, s) {
  const ref = s?.$ref;
  return ref ? doc.components.schemas[ref.split('/').pop()] : s;
}

function build(doc) {
  const schemas = doc.components.schemas;
  const entities = new Map();
  for (const { name } of doc.tags || []) {
    if (!schemas[name] || !doc.paths['/data/' + name]) continue;
    const s = schemas[name];
    entities.set(name, { name, label: s.title || name, labelField: s['x-runway-label-field'], fields: fields(s.properties), actions: [] });
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    const op = item.put;
    const act = op?.['x-runway-action'];
    if (!act) continue;
    const e = entities.get(path.split('/')[2]);
    if (!e || e.actions.some((a) => a.name === act.name)) continue;
    const body = deref(doc, op.requestBody?.content?.['application/json']?.schema);
    e.actions.push({ ...act, params: fields(body?.properties, body?.required) });
  }
  return { title: doc.info?.title || 'Runway', entities };
}

// searchField is the field a relationship picker searches the records of
// entity e by: the one its labels come from, else its first text field.
export function searchField(e) {
  return e?.labelField || e?.fields.find((f) => f.type === 'text' && !f.many)?.name;
}
