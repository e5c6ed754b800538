// Berth's admin console: a hash-routed page per view, one live stream, the admin API as the only
// source of truth. Authentication is the API's own (session cookie + CSRF token); the UI invents none.
import {api, setCsrf, ApiError, whenUnauthorized} from './api.js';
import {h, fill} from './dom.js';
import * as live from './live.js';
import * as fleetStore from './fleet.js';
import {signInPage} from './pages/signin.js';
import {fleetPage} from './pages/fleet.js';
import {onboardPage} from './pages/onboard.js';
import {tenantPage} from './pages/tenant.js';
import {clusterPage} from './pages/cluster.js';
import {accountsPage} from './pages/accounts.js';
import {tokensPage} from './pages/tokens.js';
import {auditPage} from './pages/audit.js';

export const session = {me: null};
let cleanup = () => {};
let stopFollowing = () => {};
let generation = 0;

/** Whether the page that asked is still the one shown (async answers for an old page are dropped). */
export function current(g) {
  return g === generation;
}

const PAGES = {
  fleet: fleetPage, onboard: onboardPage, tenants: tenantPage, cluster: clusterPage,
  accounts: accountsPage, tokens: tokensPage, audit: auditPage,
};

export function can(what) {
  const role = session.me && session.me.role;
  if (what === 'manage') return role === 'owner' || role === 'operator';
  if (what === 'accounts') return role === 'owner' || role === 'auditor';
  if (what === 'owner') return role === 'owner';
  if (what === 'audit') return role === 'owner' || role === 'auditor';
  return !!role;
}

/** Shows an error as the API stated it (never a stack trace). */
export function notify(message, kind = 'error') {
  const el = document.getElementById('notice');
  if (!message) {
    el.hidden = true;
    return;
  }
  fill(el, message);
  el.dataset.kind = kind;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  el.hidden = false;
}

export function errorText(e) {
  return e instanceof ApiError ? e.message : 'Something went wrong: ' + (e && e.message ? e.message : e);
}

async function boot(thenRoute = true) {
  try {
    session.me = await api('GET', '/session');
    setCsrf(session.me.csrfToken);
  } catch (e) {
    session.me = null;
    if (!(e instanceof ApiError && e.status === 401)) notify(errorText(e));
  }
  if (session.me) {
    try {
      await fleetStore.load();
      stopFollowing();
      stopFollowing = fleetStore.follow();
      live.start(fleetStore.fleet.offset, signedOut);
    } catch (e) {
      notify(errorText(e));
    }
  }
  header();
  if (thenRoute) route();
}

export async function signedIn() {
  notify(null);
  await boot(false);
  if (!location.hash || location.hash.startsWith('#/signin')) location.hash = '#/fleet'; // routes
  else route();
}

function signedOut() {
  if (!session.me) return;
  session.me = null;
  setCsrf(null);
  live.stop();
  stopFollowing();
  header();
  location.hash = '#/signin';
  route();
}

function header() {
  const me = session.me;
  document.getElementById('nav').hidden = !me;
  for (const a of document.querySelectorAll('#nav a[data-needs]')) a.hidden = !can(a.dataset.needs);
  fill(document.getElementById('who'), me ? h('span', {}, me.principal, ' · ', me.role) : '');
  const out = document.getElementById('signout');
  out.hidden = !me || me.via !== 'session';
}

function route() {
  cleanup();
  cleanup = () => {};
  notify(null);
  const g = ++generation;
  const view = document.getElementById('view');
  const [name, ...rest] = (location.hash || '#/fleet').slice(2).split('/');
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === name);
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (!session.me) {
    cleanup = signInPage(view, g) || (() => {});
    return;
  }
  let args;
  try {
    args = rest.map(decodeURIComponent);
  } catch (e) {
    args = [];
  }
  const page = PAGES[name] || fleetPage;
  cleanup = page(view, args, g) || (() => {});
  view.focus({preventScroll: true});
}

document.getElementById('signout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/session');
  } catch (e) {
    // the session may have ended already; either way the browser is signed out
  }
  signedOut();
});
whenUnauthorized(() => {
  if (!session.me) return;
  signedOut();
  notify('Your session has ended; sign in again.', 'info');
});
window.addEventListener('hashchange', route);
boot();
