// The audit trail (owner, auditor): filter, page, verify the hash chain, export as NDJSON.
import {api} from '../api.js';
import {h, fill, when} from '../dom.js';
import {notify, errorText} from '../app.js';

const FIELDS = [['tenant', 'Tenant (slug)'], ['actor', 'Actor'], ['action', 'Action (event type)'],
  ['correlationId', 'Correlation id']];

export function auditPage(view) {
  const inputs = Object.fromEntries(FIELDS.map(([name, label]) =>
    [name, h('input', {name, autocomplete: 'off', 'aria-label': label, placeholder: label})]));
  const rows = h('tbody', {id: 'audit-rows'});
  const more = h('button', {type: 'button', id: 'audit-more', hidden: true}, 'Older ›');
  const verdict = h('div', {id: 'audit-verify'});
  const exportLink = h('a', {id: 'audit-export', href: '/api/audit?format=ndjson', download: 'berth-audit.ndjson'},
    'Export (NDJSON)');
  let next = null;
  let gone = false;

  function query(after) {
    const q = new URLSearchParams({limit: '50', after: String(after)});
    for (const [name] of FIELDS) if (inputs[name].value.trim()) q.set(name, inputs[name].value.trim());
    return q;
  }

  async function load(after) {
    try {
      const page = await api('GET', '/audit?' + query(after));
      if (gone) return;
      if (after === 0) fill(rows);
      for (const e of page.entries) {
        rows.append(h('tr', {'data-seq': e.seq},
          h('td', {}, e.seq), h('td', {}, when(e.at)), h('td', {}, e.actor), h('td', {}, e.action),
          h('td', {}, e.resourceType + ' ' + e.resourceId), h('td', {}, e.reason),
          h('td', {class: e.outcome === 'ok' ? '' : 'error'}, e.outcome),
          h('td', {}, h('small', {class: 'muted'}, e.correlationId))));
      }
      next = page.next;
      more.hidden = next === null;
      const q = query(0);
      q.delete('limit');
      q.delete('after');
      q.set('format', 'ndjson');
      exportLink.setAttribute('href', '/api/audit?' + q);
    } catch (e) {
      if (!gone) notify(errorText(e));
    }
  }

  more.addEventListener('click', () => load(next));
  const form = h('form', {class: 'toolbar', id: 'audit-filter'}, Object.values(inputs), h('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(0); });
  const verify = h('button', {type: 'button', id: 'audit-verify-button', onclick: async () => {
    verify.disabled = true;
    try {
      const v = await api('GET', '/audit/verify');
      fill(verdict, v.intact
        ? h('p', {}, '✓ The chain is intact: ' + v.verified + ' entries verified; head ', h('code', {}, '#' + v.headSeq + ' ' + v.headHash))
        : h('p', {class: 'error'}, '✗ Entry #' + v.firstBadSeq + ' (journal position ' + v.firstBadPosition + '): ' + v.problem + ' (' + v.verified + ' verified before it)'));
    } catch (e) {
      notify(errorText(e));
    } finally {
      verify.disabled = false;
    }
  }}, 'Verify the chain');

  fill(view, h('h1', {}, 'Audit'), form,
    h('div', {class: 'actions'}, verify, exportLink), verdict,
    h('table', {class: 'grid', id: 'audit'},
      h('thead', {}, h('tr', {}, ['#', 'When', 'Actor', 'Action', 'Resource', 'Reason', 'Outcome', 'Correlation']
        .map((c) => h('th', {}, c)))), rows),
    h('div', {class: 'pager'}, more));
  load(0);
  return () => { gone = true; };
}
