// What the browser knows of the fleet: the listing (read model), then each tenant refreshed from its
// entity when the live stream says it changed. Pages read it and subscribe to its changes.
import {api} from './api.js';
import * as live from './live.js';

export const fleet = {rows: new Map(), offset: 0};
const watchers = new Set();
const pending = new Map();
const asked = new Map(); // slug → number of the latest refresh: an older answer landing last is dropped

export async function load() {
  const listing = await api('GET', '/tenants');
  fleet.rows = new Map(listing.tenants.map((t) => [t.slug, t]));
  fleet.offset = listing.offset;
  changed(null);
  return fleet;
}

/** The tenant from its entity (current, with its node and step); the row is updated. */
export async function refresh(slug, background = true) {
  const n = (asked.get(slug) || 0) + 1;
  asked.set(slug, n);
  try {
    const t = await api('GET', '/tenants/' + encodeURIComponent(slug), undefined, background);
    if (asked.get(slug) !== n) return fleet.rows.get(slug);
    fleet.rows.set(slug, t);
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  changed(slug);
  return fleet.rows.get(slug);
}

/** Follows the live stream: each event refreshes its tenant (bursts for one tenant coalesce). */
export function follow() {
  const stop = live.subscribe((message) => {
    const slug = message.slug;
    if (pending.has(slug)) return;
    pending.set(slug, setTimeout(() => {
      pending.delete(slug);
      refresh(slug).catch((e) => console.warn('refresh ' + slug, e.message));
    }, 150));
  });
  return () => {
    stop();
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}

export function watch(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

function changed(slug) {
  for (const fn of watchers) fn(slug);
}
