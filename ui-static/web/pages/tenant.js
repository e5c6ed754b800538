// One tenant: phase and progress (step, elapsed, error) live, the spec applied, node and endpoint,
// the journal as a timeline (who, why, when, correlation id) growing live, secrets (names only),
// kept container output, and the actions its phase allows.
import {api} from '../api.js';
import {h, fill, phaseBadge, when} from '../dom.js';
import {fleet, refresh, watch} from '../fleet.js';
import * as live from '../live.js';
import {can, notify, errorText} from '../app.js';

export function tenantPage(view, [slug]) {
  if (!slug || !/^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/.test(slug)) {
    fill(view, h('h1', {}, 'No such tenant'), h('p', {}, h('a', {href: '#/fleet'}, '‹ Fleet')));
    return () => {};
  }
  const head = h('div', {id: 'tenant-head'});
  const progress = h('div', {id: 'tenant-progress', class: 'card'});
  const facts = h('dl', {id: 'tenant-facts', class: 'facts'});
  const actions = h('div', {id: 'tenant-actions', class: 'actions'});
  const timeline = h('ol', {id: 'tenant-timeline', class: 'timeline', reversed: true});
  const secrets = h('div', {id: 'tenant-secrets'});
  const logs = h('div', {id: 'tenant-logs'});
  const output = h('pre', {id: 'tenant-output', class: 'log', 'aria-live': 'off'});
  const outputState = h('p', {id: 'tenant-output-state', class: 'muted'});
  fill(view,
    h('p', {}, h('a', {href: '#/fleet'}, '‹ Fleet')),
    head, progress,
    h('div', {class: 'columns'},
      h('section', {class: 'card'}, h('h2', {}, 'Tenant'), facts, actions),
      h('section', {class: 'card'}, h('h2', {}, 'Secrets'), secrets)),
    h('section', {class: 'card'}, h('h2', {}, 'Timeline'), timeline),
    can('manage') ? h('section', {class: 'card'}, h('h2', {}, 'Live output'), outputState, output) : null,
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

  let progressKey = null;
  function renderProgress() {
    const p = tenant.phase;
    const busy = p === 'PROVISIONING' || p === 'INITIALIZING' || p === 'TEARING_DOWN';
    const key = [p, tenant.step, tenant.attempt, tenant.lastAttemptError, tenant.waitingForSlot, tenant.updatedAt,
      tenant.failure && tenant.failure.reason, tenant.lastError].join('|');
    if (key !== progressKey) {
      progressKey = key;
      fill(progress,
        h('strong', {}, p === 'READY' ? 'Ready' : p === 'FAILED' ? 'Failed' : p === 'RETIRED' ? 'Retired' : 'In progress'),
        ' · ', h('span', {id: 'tenant-step'}, tenant.step && tenant.waitingForSlot
          ? 'step ' + tenant.step + ', waiting for a slot (' + tenant.waitingForSlot + ' in line)'
          : tenant.step ? 'step ' + tenant.step + (tenant.attempt ? ', attempt ' + tenant.attempt : '')
          : busy ? 'waiting for the next step' : 'no step owed'),
        ' · ', h('span', {id: 'tenant-elapsed'}),
        tenant.failure ? h('p', {id: 'tenant-error', class: 'error'}, 'Failed in ' + tenant.failure.phase + ' at '
          + tenant.failure.step + ': ' + tenant.failure.reason) : null,
        tenant.lastError && !tenant.failure ? h('p', {class: 'error'}, tenant.lastError) : null,
        tenant.lastAttemptError ? h('p', {id: 'tenant-retrying', class: 'error'},
          'Retrying; the last attempt failed: ' + tenant.lastAttemptError) : null);
    }
    const elapsed = Math.max(0, Math.round((Date.now() - Date.parse(tenant.updatedAt || tenant.createdAt)) / 1000));
    const since = Math.max(0, Math.round((Date.now() - Date.parse(tenant.createdAt)) / 1000));
    const el = progress.querySelector('#tenant-elapsed');
    if (el) el.textContent = since + ' s since requested, ' + elapsed + ' s in this state';
  }

  let actionsKey = null;
  function renderActions() {
    const key = [tenant.phase, !!tenant.dataRetainedUntil, can('manage')].join('|');
    if (key === actionsKey) return; // keeps a half-typed confirmation and the focus
    actionsKey = key;
    const list = [];
    if (tenant.phase === 'READY' && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-open', onclick: (e) => open(e.target)}, 'Open (signed in)'));
    }
    if (tenant.phase === 'FAILED' && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-retry',
        onclick: (e) => act(e.target, 'POST', '/retry', 'Retry requested.')}, 'Retry'));
    }
    if (tenant.phase === 'RETIRED' && tenant.dataRetainedUntil && can('manage')) {
      list.push(h('button', {type: 'button', id: 'tenant-restore',
        onclick: (e) => act(e.target, 'POST', '/restore', 'Restore requested.')}, 'Restore'));
      list.push(h('button', {type: 'button', class: 'danger', onclick: (e) => {
        if (window.confirm('Delete the kept data of ' + slug + ' now? This cannot be undone.')) {
          act(e.target, 'POST', '/purge', 'Purge requested.');
        }
      }}, 'Purge kept data now'));
    }
    if (tenant.phase !== 'RETIRED' && tenant.phase !== 'TEARING_DOWN' && can('manage')) {
      const confirm = h('input', {id: 'teardown-confirm', placeholder: 'type ' + tenant.slug + ' to confirm',
        autocomplete: 'off', 'aria-label': 'Type the slug to confirm the teardown'});
      const go = h('button', {type: 'button', id: 'tenant-teardown', class: 'danger', disabled: true,
        onclick: (e) => act(e.target, 'DELETE', '', 'Teardown requested: the container goes, the data is kept.')},
        'Tear down');
      confirm.addEventListener('input', () => { go.disabled = confirm.value !== tenant.slug; });
      list.push(h('div', {class: 'teardown'}, confirm, go));
    }
    fill(actions, list);
  }

  async function open(button) {
    // the tab is opened now, inside the click (a popup blocker lets it through), and sent to the
    // link once it arrives; it gets no handle on this page
    const tab = window.open('', '_blank');
    if (tab) tab.opener = null;
    button.disabled = true;
    try {
      const link = await api('POST', '/tenants/' + encodeURIComponent(slug) + '/sso');
      const url = new URL(link.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('unexpected link ' + url.protocol);
      if (tab) {
        tab.location.href = url.href;
      } else {
        notify(h('span', {}, 'The browser blocked the new tab: ', h('a', {href: url.href, target: '_blank', rel: 'noopener noreferrer'},
          'open ' + slug + ' signed in'), ' (the link works once, for a minute).'), 'info');
      }
    } catch (e) {
      if (tab) tab.close();
      notify(errorText(e));
    } finally {
      button.disabled = false;
    }
  }

  async function act(button, method, suffix, done) {
    button.disabled = true;
    try {
      notify(null);
      tenant = await api(method, '/tenants/' + encodeURIComponent(slug) + suffix);
      notify(done, 'info');
      render();
    } catch (e) {
      notify(errorText(e));
    } finally {
      button.disabled = false;
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
      // the whole journal, a page at a time (500 events each)
      let after = 0;
      for (;;) {
        const history = await api('GET', '/tenants/' + encodeURIComponent(slug) + '/events?after=' + after);
        history.events.forEach(addEvent);
        if (history.next === null || history.next === undefined) break;
        after = history.next;
      }
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
        h('td', {}, can('manage') ? h('button', {type: 'button', 'aria-label': 'Delete secret ' + s.name, onclick: async () => {
          if (!window.confirm('Delete the secret ' + s.name + ' of ' + slug + '?')) return;
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
        const name = h('input', {placeholder: 'NAME', autocomplete: 'off', id: 'secret-name', 'aria-label': 'Secret name'});
        const value = h('input', {type: 'password', placeholder: 'value', autocomplete: 'new-password', id: 'secret-value',
          'aria-label': 'Secret value'});
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
        'Output is kept when a container is removed (see Live output while it runs).'));
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
      followOutput();
    }
  });
  const tick = setInterval(() => { if (tenant) renderProgress(); }, 1000);

  // the live tail: one stream while the page is open and the tenant has a container; the container's
  // text goes in as text, and only the last MAX_LINES lines stay in the page
  const MAX_LINES = 2000;
  let tail = null;
  let tailContainer = null;
  function followOutput() {
    if (!can('manage') || !tenant) return;
    const running = tenant.containerId && ['INITIALIZING', 'READY', 'FAILED'].includes(tenant.phase);
    if (!running) {
      if (!tail) fill(outputState, 'No container is running.');
      return;
    }
    if (tail && tailContainer === tenant.containerId) return;
    stopOutput();
    tailContainer = tenant.containerId;
    fill(output);
    fill(outputState, 'Following the container\u2019s output…');
    tail = new EventSource('/api/tenants/' + encodeURIComponent(slug) + '/logs/stream');
    tail.addEventListener('log', (e) => {
      output.append(document.createTextNode(e.data.endsWith('\n') ? e.data : e.data + '\n'));
      const text = output.textContent;
      const lines = text.split('\n');
      if (lines.length > MAX_LINES + 200) output.textContent = lines.slice(-MAX_LINES).join('\n');
      output.scrollTop = output.scrollHeight;
    });
    tail.addEventListener('end', (e) => {
      stopOutput();
      fill(outputState, 'Stream ended: ' + e.data + ' ', h('button', {type: 'button', onclick: () => {
        tailContainer = null;
        followOutput();
      }}, 'Follow again'));
    });
    tail.addEventListener('error', () => {
      if (!tail) return;
      // no silent re-follow (it would repeat the tail): say so, and let the operator resume
      stopOutput();
      fill(outputState, 'Disconnected. ', h('button', {type: 'button', onclick: () => {
        tailContainer = null;
        followOutput();
      }}, 'Follow again'));
    });
  }
  function stopOutput() {
    if (tail) tail.close();
    tail = null;
  }

  render();
  refresh(slug).then((t) => {
    if (!t) fill(head, h('h1', {}, slug), h('p', {class: 'error'}, 'No tenant \u2018' + slug + '\u2019.'));
  }).catch((e) => notify(errorText(e)));
  loadTimeline();
  loadSecrets();
  loadLogs();
  return () => {
    stop();
    stopOutput();
    clearInterval(tick);
    unwatch();
  };
}

function fact(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}
