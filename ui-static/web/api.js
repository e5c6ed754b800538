// The admin API, same origin. A browser session authenticates with its HttpOnly cookie; unsafe
// requests echo the session's CSRF token. Errors carry the API's own message.

let csrf = null;
let onUnauthorized = () => {};

/** Called when a request finds the session gone (401), so the UI can return to sign-in. */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param background a request the person did not make (polling, a refresh after a live event): it does
 *     not keep the session from going idle
 */
export async function api(method, path, body, background = false) {
  const headers = {Accept: 'application/json'};
  if (background) headers['X-Berth-Background'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch('/api' + path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', 'Berth cannot be reached: ' + e.message);
  }
  if (response.status === 204) return null;
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    json = null;
  }
  if (response.status === 401 && path !== '/session') onUnauthorized();
  if (!response.ok) {
    const message = json && json.message ? json.message : response.status + ' ' + response.statusText;
    throw new ApiError(response.status, json && json.error ? json.error : 'http', message);
  }
  return json;
}
