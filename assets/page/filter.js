// filter.js: a CQL2 filter box per layer. As the analyst types, the
// layer's queryables that start with the word at the cursor are offered;
// Enter (or leaving the box) checks the filter against the server and, if
// it parses, applies it to the map, the counts, the permalink, the API
// link and the export. Server messages are shown as text, never markup.
import { h, clear } from './dom.js';

const WORD = /[A-Za-z_][\w:.]*$/;

export class FilterBox {
  // onApply(collectionId, text) is called with a checked filter ('' clears it).
  constructor(collection, { onApply, itemsURL }) {
    this.c = collection;
    this.onApply = onApply;
    this.itemsURL = itemsURL;
    this.names = null;
    this.applied = '';
    const id = `filter-${collection.id}`;
    this.input = h('input', {
      type: 'text', id, class: 'filter-input', spellcheck: 'false', autocomplete: 'off',
      placeholder: "CQL2, e.g. status = 'closed'", 'aria-label': `Filter of ${collection.title || collection.id} (CQL2)`,
      role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': `${id}-suggest`,
    });
    this.suggest = h('ul', { id: `${id}-suggest`, class: 'filter-suggest', role: 'listbox', hidden: true, 'aria-label': 'Queryables' });
    this.error = h('p', { id: `${id}-error`, class: 'filter-error', role: 'alert' });
    this.el = h('div', { class: 'filter' }, this.input, this.suggest, this.error);
    this.input.addEventListener('focus', () => this.loadQueryables());
    this.input.addEventListener('input', () => this.offer());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        this.hideSuggest();
        this.apply(this.input.value);
      } else if (e.key === 'Tab' && !this.suggest.hidden && this.suggest.firstChild) {
        e.preventDefault();
        this.complete(this.suggest.firstChild.dataset.name);
      } else if (e.key === 'Escape') {
        this.hideSuggest();
      }
    });
    this.input.addEventListener('change', () => this.apply(this.input.value));
  }

  async loadQueryables() {
    if (this.names) return;
    this.names = [];
    try {
      const resp = await fetch(`/collections/${encodeURIComponent(this.c.id)}/queryables`, { headers: { Accept: 'application/schema+json' } });
      const s = await resp.json();
      this.names = Object.keys(s.properties || {}).sort();
    } catch {
      /* suggestions are a nicety */
    }
    // What was typed while they loaded gets its suggestions now.
    if (document.activeElement === this.input) this.offer();
  }

  // offer lists the queryables that start with the word before the cursor.
  offer() {
    const before = this.input.value.slice(0, this.input.selectionStart ?? this.input.value.length);
    const m = WORD.exec(before);
    const word = m ? m[0] : '';
    const hits = word && this.names ? this.names.filter((n) => n.startsWith(word) && n !== word).slice(0, 8) : [];
    clear(this.suggest);
    for (const name of hits) {
      const li = h('li', { role: 'option', 'data-name': name, tabindex: '-1' }, name);
      li.addEventListener('mousedown', (e) => {
        e.preventDefault(); // keep the focus in the box
        this.complete(name);
      });
      this.suggest.append(li);
    }
    this.suggest.hidden = hits.length === 0;
    this.input.setAttribute('aria-expanded', String(hits.length > 0));
  }

  complete(name) {
    const v = this.input.value;
    const pos = this.input.selectionStart ?? v.length;
    const start = pos - (WORD.exec(v.slice(0, pos)) || [''])[0].length;
    this.input.value = v.slice(0, start) + name + v.slice(pos);
    const caret = start + name.length;
    this.input.setSelectionRange(caret, caret);
    this.hideSuggest();
    this.input.focus();
  }

  hideSuggest() {
    this.suggest.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
  }

  // set shows a filter (from the permalink) without checking it again.
  set(text) {
    this.input.value = text;
    this.applied = text;
  }

  async apply(raw) {
    const text = raw.trim();
    if (text === this.applied) return;
    if (text && !(await this.check(text))) return;
    this.applied = text;
    this.onApply(this.c.id, text);
  }

  // check asks the server whether it takes the filter, and shows why not.
  async check(text) {
    this.error.textContent = '';
    this.input.removeAttribute('aria-invalid');
    const resp = await fetch(this.itemsURL(this.c.id, { limit: 1, filter: text }), { headers: { Accept: 'application/geo+json' } });
    if (resp.ok) return true;
    let msg = `HTTP ${resp.status}`;
    try {
      msg = (await resp.json()).description || msg;
    } catch {
      /* keep the status */
    }
    this.error.textContent = msg;
    this.input.setAttribute('aria-invalid', 'true');
    return false;
  }
}
