// One server-sent-events stream for the whole fleet (browsers cap connections per host: never one
// per row). Every page subscribes to it. The stream starts after the offset of the fleet listing,
// and the browser resumes it with Last-Event-ID after a reconnect; the indicator says which.

const listeners = new Set();
let source = null;
let lastOffset = 0;
let onSignedOut = () => {};

function indicator(state) {
  const el = document.getElementById('live');
  if (!el) return;
  el.hidden = false;
  el.dataset.state = state;
  el.textContent = state === 'live' ? '● live' : state === 'reconnecting' ? '○ reconnecting…' : '○ offline';
}

export function start(afterOffset, signedOut) {
  onSignedOut = signedOut;
  lastOffset = afterOffset;
  connect();
}

function connect() {
  stop();
  indicator('reconnecting');
  const es = new EventSource('/api/stream/fleet?after=' + encodeURIComponent(lastOffset));
  source = es;
  es.addEventListener('open', () => indicator('live'));
  es.addEventListener('tenant', (e) => {
    const message = JSON.parse(e.data);
    lastOffset = message.offset;
    for (const fn of listeners) {
      try {
        fn(message);
      } catch (err) {
        console.error(err);
      }
    }
  });
  es.addEventListener('error', () => {
    if (es !== source) return;
    if (es.readyState === EventSource.CLOSED) {
      // refused outright (signed out, or the node went away): find out which, then try again
      indicator('reconnecting');
      setTimeout(async () => {
        if (es !== source) return;
        const r = await fetch('/api/session', {credentials: 'same-origin'}).catch(() => null);
        if (r && r.status === 401) {
          stop();
          onSignedOut();
        } else {
          connect();
        }
      }, 2000);
    } else {
      indicator('reconnecting'); // the browser reconnects by itself, sending Last-Event-ID
    }
  });
}

export function stop() {
  if (source) source.close();
  source = null;
  const el = document.getElementById('live');
  if (el) el.hidden = true;
}

/** Calls fn with every tenant event ({slug, offset, event}); returns the unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
