// One's own API tokens: issued here (shown once), listed by name with their last use, revoked.
import {api} from '../api.js';
import {h, fill, when} from '../dom.js';
import {notify, errorText, session} from '../app.js';
import {form} from './signin.js';

const COVERS = {owner: ['owner', 'operator', 'viewer', 'auditor'], operator: ['operator', 'viewer'],
  viewer: ['viewer'], auditor: ['auditor', 'viewer']};

export function tokensPage(view) {
  const table = h('div', {id: 'tokens'});
  const shown = h('div', {id: 'token-shown'});
  const roles = COVERS[session.me.role] || [];
  fill(view, h('h1', {}, 'API tokens'),
    h('p', {class: 'muted'}, 'For automation: send ', h('code', {}, 'Authorization: Bearer <token>'),
      '. A token acts under your name with at most your role.'),
    shown, table,
    form('token-form', 'Issue a token', [
      h('label', {}, 'Name', h('input', {name: 'name', required: true, autocomplete: 'off'})),
      h('label', {}, 'Role', h('select', {name: 'role'}, roles.map((r) => h('option', {value: r}, r)))),
      h('label', {}, 'Expires (optional)', h('input', {name: 'expiresAt', type: 'datetime-local'})),
    ], async (values, f) => {
      if (values.expiresAt) values.expiresAt = new Date(values.expiresAt).toISOString();
      const t = await api('POST', '/tokens', values);
      f.reset();
      fill(shown, h('div', {class: 'card shown-once'},
        h('strong', {}, 'Copy this token now: it is shown once, and Berth keeps only its hash.'),
        h('pre', {id: 'token-value'}, t.token),
        h('button', {type: 'button', onclick: () => fill(shown)}, 'Done')));
      load();
    }));

  async function load() {
    try {
      const list = await api('GET', '/tokens');
      fill(table, list.tokens.length ? h('table', {class: 'grid'},
        h('thead', {}, h('tr', {}, ['Name', 'Role', 'Created', 'Expires', 'Last used', 'State', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, list.tokens.map((t) => h('tr', {},
          h('td', {}, t.name), h('td', {}, t.role), h('td', {}, when(t.createdAt)), h('td', {}, when(t.expiresAt)),
          h('td', {}, when(t.lastUsedAt)), h('td', {}, t.revokedAt ? 'revoked' : t.usable ? 'usable' : 'expired'),
          h('td', {}, t.usable ? h('button', {type: 'button', 'aria-label': 'Revoke token ' + t.name, onclick: async () => {
            try {
              await api('DELETE', '/tokens/' + encodeURIComponent(t.id));
              load();
            } catch (e) {
              notify(errorText(e));
            }
          }}, 'Revoke') : ''))))) : h('p', {class: 'muted'}, 'No tokens yet.'));
    } catch (e) {
      notify(errorText(e));
    }
  }
  load();
  return () => fill(shown);
}
