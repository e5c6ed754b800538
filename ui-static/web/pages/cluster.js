// The cluster as the serving node sees it: members, status, roles, what each hosts.
import {api} from '../api.js';
import {h, fill} from '../dom.js';
import {notify, errorText} from '../app.js';

export function clusterPage(view) {
  fill(view, h('h1', {}, 'Cluster'), h('p', {class: 'muted'}, 'Loading…'));
  let stopped = false;
  async function load() {
    try {
      const c = await api('GET', '/cluster', undefined, true);
      if (stopped) return;
      fill(view, h('h1', {}, 'Cluster'),
        h('p', {class: 'muted'}, 'Seen from ', h('code', {}, c.self), c.leader ? ['; leader ', h('code', {}, c.leader)] : ''),
        h('table', {class: 'grid', id: 'cluster-members'},
          h('thead', {}, h('tr', {}, ['Member', 'Status', 'Roles', 'Reachable', 'Tenant shards', 'Live tenants']
            .map((x) => h('th', {}, x)))),
          h('tbody', {}, c.members.map((m) => h('tr', {},
            h('td', {}, h('code', {}, m.address), m.self ? ' (this node)' : ''),
            h('td', {}, m.status), h('td', {}, (m.roles || []).join(', ')),
            h('td', {}, m.reachable ? 'yes' : 'no'), h('td', {}, m.shards), h('td', {}, m.tenants))))));
    } catch (e) {
      if (!stopped) notify(errorText(e));
    }
  }
  load();
  const timer = setInterval(load, 5000);
  return () => { stopped = true; clearInterval(timer); };
}
