// One tenant: phase and progress (step, elapsed, error) live, the spec applied, node and endpoint,
// the journal as a timeline (who, why, when, correlation id) growing live, secrets (names only),
// kept container output, and the actions its phase allows.
import {api} from '../api.js';
import {h, fill, phaseBadge, when} from '../dom.js';
import {fleet, refresh, watch} from '../fleet.js';
import * as live from '../live.js';
import {can, notify, errorText} from '../app.js';

export function tenantPage(view, [slug]) {
  const head = h('div', {id: 'tenant-head'});
  const progress = h('div', {id: 'tenant-progress', class: 'card'});
  const facts = h('dl', {id: 'tenant-facts', class: 'facts'});
  const actions = h('div', {id: 'tenant-actions', class: 'actions'});
  const timeline = h('ol', {id: 'tenant-timeline', class: 'timeline', reversed: true});
  const secrets = h('div', {id: 'tenant-secrets'});
  const logs = h('div', {id: 'tenant-logs'});
  fill(view,
    h('p', {}, h('a', {href: '#/fleet'}, '‹ Fleet')),
    head, progress,
    h('div', {class: 'columns'},
      h('section', {class: 'card'}, h('h2', {}, 'Tenant'), facts, actions),
      h('section', {class: 'card'}, h('h2', {}, 'Secrets'), secrets)),
    h('section', {class: 'card'}, h('h2', {}, 'Timeline'), timeline),
    h('section', {class: 'card'}, h('h2', {}, 'Kept container output'), logs));

  let tenant = fleet.rows.get(slug) || null;
  let spec = null;
  const seen = new Set();

  function render() {
    if (!tenant) {
      fill(head, h('h1', {}, slug), h('p', {class: 'muted'}, 'Loading…'));
      return;
    }
    fill(head, h('h1', {}, h('span', {id: 'tenant-name', class: 'name'}, tenant.displayName), ' ',
      h('code', {}, tenant.slug), ' ', h('span', {id: 'tenant-phase'}, phaseBadge(tenant.phase))));
    renderProgress();
    fill(facts,
      fact('Node', tenant.node ? tenant.node.replace(/^pekko:\/\/berth@/, '') : '—'),
      fact('Endpoint', tenant.endpoint || '—'),
      fact('Incarnation', tenant.incarnation),
      fact('Container', tenant.containerName + (tenant.containerId ? ' (' + tenant.containerId.slice(0, 12) + ')' : '')),
      fact('Created', when(tenant.createdAt)),
      fact('Updated', when(tenant.updatedAt)),
      tenant.dataRetainedUntil ? fact('Data kept until', when(tenant.dataRetainedUntil)) : null,
      spec ? fact('Spec', h('code', {id: 'tenant-spec'}, spec.image + ' · ' + Math.round(spec.memoryBytes / 1048576)
        + ' MiB · ' + (spec.nanoCpus / 1e9) + ' CPU · pids ' + spec.pidsLimit + ' · network ' + spec.network
        + (spec.readOnlyRootfs ? ' · read-only root' : '') + (spec.user ? ' · user ' + spec.user : ''))) : null);
    renderActions();
  }

  function renderProgress() {
    const p = tenant.phase;
    const busy = p === 'PROVISIONING' || p === 'INITIALIZING' || p === 'TEARING_DOWN';
    const elapsed = Math.max(0, Math.round((Date.now() - Date.parse(tenant.updatedAt || tenant.createdAt)) / 1000));
    const since = Math.max(0, Math.round((Date.now() - Date.parse(tenant.createdAt)) / 1000));
    fill(progress,
      h('strong', {}, p === 'READY' ? 'Ready' : p === 'FAILED' ? 'Failed' : p === 'RETIRED' ? 'Retired' : 'In progress'),
      ' · ', h('span', {id: 'tenant-step'}, tenant.step ? 'step ' + tenant.step : busy ? 'waiting for the next step' : 'no step owed'),
      ' · ', h('span', {id: 'tenant-elapsed'}, since + ' s since requested, ' + elapsed + ' s in this state'),
      tenant.failure ? h('p', {id: 'tenant-error', class: 'error'}, 'Failed in ' + tenant.failure.phase + ' at '
        + tenant.failure.step + ': ' + tenant.failure.reason) : null,
      tenant.lastError && !tenant.failure ? h('p', {class: 'error'}, tenant.lastError) : null);
  }

  function renderActions() {
    const list = [];
    if (tenant.phase === 'READY' && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-open', onclick: open}, 'Open (signed in)'));
    }
    if (tenant.phase === 'FAILED' && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-retry', onclick: () => act('POST', '/retry')}, 'Retry'));
    }
    if (tenant.phase === 'RETIRED' && tenant.dataRetainedUntil && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-restore', onclick: () => act('POST', '/restore')}, 'Restore'));
      list.push(h('button', {type: 'button', onclick: () => act('POST', '/purge')}, 'Purge kept data now'));
    }
    if (tenant.phase !== 'RETIRED' && tenant.phase !== 'TEARING_DOWN' && can('manage')) {
      const confirm = h('input', {id: 'teardown-confirm', placeholder: 'type ' + tenant.slug + ' to confirm', autocomplete: 'off'});
      const go = h('button', {type: 'button', id: 'tenant-teardown', class: 'danger', disabled: true,
        onclick: () => act('DELETE', '')}, 'Tear down');
      confirm.addEventListener('input', () => { go.disabled = confirm.value !== tenant.slug; });
      list.push(h('div', {class: 'teardown'}, confirm, go));
    }
    fill(actions, list);
  }

  async function open() {
    try {
      const link = await api('POST', '/tenants/' + encodeURIComponent(slug) + '/sso');
      window.open(link.url, '_blank', 'noopener');
    } catch (e) {
      notify(errorText(e));
    }
  }

  async function act(method, suffix) {
    try {
      notify(null);
      tenant = await api(method, '/tenants/' + encodeURIComponent(slug) + suffix);
      render();
    } catch (e) {
      notify(errorText(e));
    }
  }

  function addEvent(e) {
    if (seen.has(e.sequenceNr)) return;
    seen.add(e.sequenceNr);
    if (e.type === 'ProvisioningRequested' && e.data && e.data.spec) spec = e.data.spec;
    const item = h('li', {'data-seq': e.sequenceNr},
      h('span', {class: 'event-type'}, e.type), ' ',
      h('time', {datetime: e.at}, when(e.at)), ' · ',
      h('span', {class: 'principal'}, e.principal), ' · ',
      h('span', {class: 'reason'}, e.reason),
      h('small', {class: 'muted'}, ' · ' + e.correlationId),
      e.data && e.data.reason ? h('div', {class: 'error'}, e.data.reason) : null,
      e.data && e.data.names ? h('div', {class: 'muted'}, 'secrets: ' + e.data.names.join(', ')) : null);
    // newest first
    const after = [...timeline.children].find((li) => Number(li.dataset.seq) < e.sequenceNr);
    timeline.insertBefore(item, after || null);
  }

  async function loadTimeline() {
    try {
      const history = await api('GET', '/tenants/' + encodeURIComponent(slug) + '/events');
      history.events.forEach(addEvent);
      render();
    } catch (e) {
      if (e.status !== 404) notify(errorText(e));
    }
  }

  async function loadSecrets() {
    try {
      const list = await api('GET', '/tenants/' + encodeURIComponent(slug) + '/secrets');
      const rows = list.secrets.map((s) => h('tr', {},
        h('td', {}, h('code', {}, s.name)), h('td', {}, 'v' + s.version), h('td', {}, when(s.updatedAt)),
        h('td', {}, s.updatedBy),
        h('td', {}, can('manage') ? h('button', {type: 'button', onclick: async () => {
          try {
            await api('DELETE', '/tenants/' + encodeURIComponent(slug) + '/secrets/' + encodeURIComponent(s.name));
            loadSecrets();
          } catch (e) {
            notify(errorText(e));
          }
        }}, 'Delete') : null)));
      const parts = [rows.length ? h('table', {class: 'grid', id: 'secrets-table'},
        h('thead', {}, h('tr', {}, ['Name', 'Version', 'Updated', 'By', ''].map((c) => h('th', {}, c)))),
        h('tbody', {}, rows)) : h('p', {class: 'muted'}, 'No secrets.')];
      if (can('manage')) {
        const name = h('input', {placeholder: 'NAME', autocomplete: 'off', id: 'secret-name'});
        const value = h('input', {type: 'password', placeholder: 'value', autocomplete: 'new-password', id: 'secret-value'});
        parts.push(h('form', {class: 'inline', onsubmit: async (e) => {
          e.preventDefault();
          try {
            await api('PUT', '/tenants/' + encodeURIComponent(slug) + '/secrets/' + encodeURIComponent(name.value.trim()),
              {value: value.value});
            name.value = '';
            loadSecrets();
          } catch (err) {
            notify(errorText(err));
          } finally {
            value.value = '';
          }
        }}, name, value, h('button', {type: 'submit'}, 'Set')));
      }
      fill(secrets, parts);
    } catch (e) {
      fill(secrets, h('p', {class: 'muted'}, errorText(e)));
    }
  }

  async function loadLogs() {
    if (!can('manage')) {
      fill(logs, h('p', {class: 'muted'}, 'Operators and owners read kept output.'));
      return;
    }
    try {
      const kept = await api('GET', '/tenants/' + encodeURIComponent(slug) + '/logs');
      fill(logs, kept.logs.length ? kept.logs.map((l) => h('details', {},
        h('summary', {}, 'incarnation ' + l.incarnation + ' · kept ' + when(l.keptAt) + (l.truncated ? ' · truncated' : '')),
        h('pre', {class: 'log'}, l.text))) : h('p', {class: 'muted'},
        'Output is kept when a container is removed; the live tail is not in the UI yet.'));
    } catch (e) {
      fill(logs, h('p', {class: 'muted'}, errorText(e)));
    }
  }

  const stop = live.subscribe((message) => {
    if (message.slug !== slug) return;
    addEvent(message.event);
    if (message.event.type === 'SecretsChanged') loadSecrets();
    if (message.event.type === 'TenantRetired') loadLogs();
  });
  const unwatch = watch((s) => {
    if (s === slug && fleet.rows.get(slug)) {
      tenant = fleet.rows.get(slug);
      render();
    }
  });
  const tick = setInterval(() => { if (tenant) renderProgress(); }, 1000);

  render();
  refresh(slug).then((t) => {
    if (!t) fill(head, h('h1', {}, slug), h('p', {class: 'error'}, 'No tenant \u2018' + slug + '\u2019.'));
  }).catch((e) => notify(errorText(e)));
  loadTimeline();
  loadSecrets();
  loadLogs();
  return () => {
    stop();
    clearInterval(tick);
    unwatch();
  };
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}
