// history.js: the History tab of the feature panel: every kept version,
// newest first, with when, who, the change type and what changed. All
// feature text goes in as text nodes (dom.h).
import { h, clear } from './dom.js';
import { getJSON, versionsURL } from './api.js';
import { propertyChanges, sourceChanges, moved, geometryChanged } from './diff.js';
import { fmtDistance } from './geo.js';

function fmtTime(s) {
  const t = Date.parse(s);
  return Number.isFinite(t) ? `${new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : String(s ?? '');
}

function propertyTable(changes) {
  const tbody = h('tbody');
  for (const c of changes) {
    tbody.append(h('tr', { 'data-prop': c.name }, h('th', { scope: 'row' }, c.name),
      h('td', { class: 'old' }, c.before || '—'), h('td', { class: 'new' }, c.after || '—')));
  }
  return h('table', { class: 'diff' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Property'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    tbody);
}

// versionItem shows one version against the one before it (older, or null).
function versionItem(v, older) {
  const p = v.properties || {};
  const change = String(p.change ?? '');
  const li = h('li', { class: `version change-${change}`, 'data-version': String(p.version ?? '') },
    h('p', { class: 'version-head' },
      h('strong', null, `v${p.version ?? '?'}`), ' ', h('span', { class: 'change' }, change), ' · ',
      h('time', { datetime: String(p.updated ?? '') }, fmtTime(p.updated)), ' · by ',
      h('span', { class: 'editor' }, String(p.editor || 'unknown'))));
  if (change === 'deleted') return li;
  if (!older) {
    li.append(h('p', { class: 'muted' }, change === 'created' ? 'Created.' : 'The oldest kept version.'));
    return li;
  }
  const props = propertyChanges(older.properties, p);
  if (props.length) li.append(propertyTable(props));
  if (geometryChanged(older.geometry, v.geometry)) {
    const m = moved(older.geometry, v.geometry);
    li.append(h('p', { class: 'moved', 'data-metres': m === null ? '' : String(Math.round(m)) },
      m === null ? 'Geometry changed.' : `Moved ${fmtDistance(m)} (${Math.round(m).toLocaleString('en')} m)`));
  }
  const src = sourceChanges(older.properties, p);
  if (src.added.length) li.append(h('p', { class: 'sources-added' }, 'Sources added: ', src.added.join('; ')));
  if (src.removed.length) li.append(h('p', { class: 'sources-removed' }, 'Sources removed: ', src.removed.join('; ')));
  if (!props.length && !src.added.length && !src.removed.length && !geometryChanged(older.geometry, v.geometry)) {
    li.append(h('p', { class: 'muted' }, 'No change to the feature.'));
  }
  return li;
}

// renderHistory loads the versions of a feature into el.
export async function renderHistory(el, collection, id) {
  clear(el).append(h('p', { class: 'muted' }, 'Loading the history…'));
  let fc;
  try {
    fc = await getJSON(versionsURL(collection, id));
  } catch (err) {
    clear(el).append(h('p', { class: 'form-error' }, `Could not load the history: ${err.message}`));
    return;
  }
  const versions = fc.features || [];
  const ol = h('ol', { class: 'versions', reversed: true });
  versions.forEach((v, i) => ol.append(versionItem(v, i + 1 < versions.length ? versions[i + 1] : null)));
  clear(el).append(h('h3', null, `${versions.length} ${versions.length === 1 ? 'version' : 'versions'}`), ol);
  el.dataset.loaded = `${collection}/${id}`;
}
