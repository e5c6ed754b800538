// Accounts and roles: the owner manages them; an auditor reads them.
import {api} from '../api.js';
import {h, fill, when} from '../dom.js';
import {can, notify, errorText, session} from '../app.js';
import {form} from './signin.js';

const ROLES = ['owner', 'operator', 'viewer', 'auditor'];

export function accountsPage(view) {
  const table = h('div', {id: 'accounts'});
  const parts = [h('h1', {}, 'Accounts'), table];
  if (can('owner')) {
    parts.push(form('account-form', 'Create an account', [
      h('label', {}, 'Email', h('input', {name: 'email', type: 'email', required: true, autocomplete: 'off'})),
      h('label', {}, 'Display name', h('input', {name: 'displayName', autocomplete: 'off'})),
      h('label', {}, 'Role', h('select', {name: 'role'}, ROLES.map((r) => h('option', {value: r, selected: r === 'operator'}, r)))),
      h('label', {}, 'Initial password (12 characters or more)',
        h('input', {name: 'password', type: 'password', required: true, autocomplete: 'new-password'})),
      h('label', {}, 'Reason', h('input', {name: 'reason', autocomplete: 'off'})),
    ], async (values, f) => {
      await api('POST', '/accounts', values);
      f.reset();
      load();
    }));
  }
  fill(view, parts);

  async function load() {
    try {
      const list = await api('GET', '/accounts');
      fill(table, h('table', {class: 'grid'},
        h('thead', {}, h('tr', {}, ['Email', 'Name', 'Role', 'State', 'Last sign-in', 'Live tokens', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, list.accounts.map(row))));
    } catch (e) {
      notify(errorText(e));
    }
  }

  function row(a) {
    const self = session.me && a.email === session.me.principal;
    const manage = can('owner') && !self;
    const role = manage ? h('select', {'aria-label': 'Role of ' + a.email, onchange: async (e) => {
      if (!window.confirm('Change the role of ' + a.email + ' to ' + e.target.value + '?')) {
        e.target.value = a.role;
        return;
      }
      try {
        await api('PUT', '/accounts/' + encodeURIComponent(a.email) + '/role', {role: e.target.value});
        notify(a.email + ' is now ' + e.target.value + '.', 'info');
        load();
      } catch (err) {
        notify(errorText(err));
        load();
      }
    }}, ROLES.map((r) => h('option', {value: r, selected: r === a.role}, r))) : a.role;
    return h('tr', {'data-email': a.email},
      h('td', {}, a.email), h('td', {class: 'name'}, a.displayName), h('td', {}, role),
      h('td', {}, a.disabled ? 'disabled' : 'active'), h('td', {}, when(a.lastSignInAt)), h('td', {}, a.liveTokens),
      h('td', {}, manage ? [
        h('button', {type: 'button', onclick: () => post(a, a.disabled ? 'enable' : 'disable')}, a.disabled ? 'Enable' : 'Disable'),
        ' ',
        h('button', {type: 'button', 'aria-label': 'End the sessions of ' + a.email, onclick: () => revokeSessions(a)},
          'End sessions'),
      ] : ''));
  }

  async function post(a, what) {
    if (what === 'disable' && !window.confirm('Disable ' + a.email + '? Their sessions end and their tokens are revoked.')) {
      return;
    }
    try {
      await api('POST', '/accounts/' + encodeURIComponent(a.email) + '/' + what);
      notify(a.email + (what === 'disable' ? ' is disabled.' : ' is enabled.'), 'info');
      load();
    } catch (e) {
      notify(errorText(e));
    }
  }

  async function revokeSessions(a) {
    try {
      const r = await api('DELETE', '/accounts/' + encodeURIComponent(a.email) + '/sessions');
      notify(r.ended + ' session(s) ended for ' + a.email, 'info');
    } catch (e) {
      notify(errorText(e));
    }
  }

  load();
}
