// Every tenant: search, filter by phase, pages of 50 (the table renders one page, however large the
// fleet), live through the one stream. The hosting node comes from each visible tenant's entity.
import {h, fill, phaseBadge, age} from '../dom.js';
import {fleet, watch, refresh} from '../fleet.js';
import {notify, errorText} from '../app.js';

const PAGE = 50;
const PHASES = ['', 'PROVISIONING', 'INITIALIZING', 'READY', 'TEARING_DOWN', 'RETIRED', 'FAILED'];

export function fleetPage(view) {
  let page = 0;
  let gone = false;
  const search = h('input', {type: 'search', id: 'fleet-search', placeholder: 'Search slug or name', autocomplete: 'off',
    'aria-label': 'Search by slug or name'});
  const phase = h('select', {id: 'fleet-phase', 'aria-label': 'Filter by phase'}, PHASES.map((p) => h('option', {value: p}, p || 'All phases')));
  const body = h('tbody', {id: 'fleet-rows'});
  const count = h('span', {class: 'muted', id: 'fleet-count'});
  const prev = h('button', {type: 'button', onclick: () => { page--; render(); }}, '‹ Previous');
  const next = h('button', {type: 'button', onclick: () => { page++; render(); }}, 'Next ›');
  const asked = new Set();

  fill(view,
    h('div', {class: 'toolbar'}, h('h1', {}, 'Fleet'), search, phase, count),
    h('table', {class: 'grid', id: 'fleet'},
      h('thead', {}, h('tr', {}, ['Slug', 'Name', 'Phase', 'Node', 'Age', 'Last error'].map((c) => h('th', {}, c)))),
      body),
    h('div', {class: 'pager'}, prev, next));

  search.addEventListener('input', () => { page = 0; render(); });
  phase.addEventListener('change', () => { page = 0; render(); });

  function matching() {
    const q = search.value.trim().toLowerCase();
    const p = phase.value;
    const out = [];
    for (const t of fleet.rows.values()) {
      if (p && t.phase !== p) continue;
      if (q && !t.slug.includes(q) && !(t.displayName || '').toLowerCase().includes(q)) continue;
      out.push(t);
    }
    return out.sort((a, b) => a.slug.localeCompare(b.slug));
  }

  function render() {
    const rows = matching();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    page = Math.min(Math.max(0, page), pages - 1);
    const shown = rows.slice(page * PAGE, page * PAGE + PAGE);
    fill(body, shown.map(row));
    fill(count, rows.length + ' of ' + fleet.rows.size + ' tenants · page ' + (page + 1) + ' of ' + pages);
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    // the read model knows no node: ask the visible tenants' entities, a few at a time, once
    const missing = shown.filter((t) => !t.node && !asked.has(t.slug) && t.phase !== 'RETIRED');
    missing.forEach((t) => asked.add(t.slug));
    (async () => {
      for (const t of missing) {
        if (gone) return;
        try {
          await refresh(t.slug);
        } catch (e) {
          if (!gone) notify(errorText(e));
          return;
        }
      }
    })();
  }

  function row(t) {
    return h('tr', {'data-slug': t.slug, 'data-phase': t.phase},
      h('td', {}, h('a', {href: '#/tenants/' + encodeURIComponent(t.slug)}, t.slug)),
      h('td', {class: 'name'}, t.displayName),
      h('td', {}, phaseBadge(t.phase)),
      h('td', {class: 'node'}, t.node ? t.node.replace(/^pekko:\/\/berth@/, '') : '—'),
      h('td', {}, age(t.createdAt)),
      h('td', {class: 'error'}, t.lastError || ''));
  }

  render();
  let timer = null;
  const unwatch = watch(() => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; render(); }, 100);
  });
  return () => { gone = true; unwatch(); clearTimeout(timer); };
}
