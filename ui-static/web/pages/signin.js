// Sign-in, and on a fresh installation the owner's sign-up with the setup code the node printed.
import {api, setCsrf} from '../api.js';
import {h, fill} from '../dom.js';
import {signedIn, notify, errorText, current} from '../app.js';

export function signInPage(view, generation) {
  fill(view, h('p', {class: 'muted'}, 'Loading…'));
  api('GET', '/setup').then((setup) => {
    if (current(generation)) render(view, setup.open);
  }).catch((e) => {
    if (!current(generation)) return;
    notify(errorText(e));
    render(view, false);
  });
}

function render(view, setupOpen) {
  const signIn = form('signin-form', 'Sign in', [
    field('Email', 'email', 'email', 'username'),
    field('Password', 'password', 'password', 'current-password'),
  ], async (values) => {
    await start(values.email, values.password);
  });
  const parts = [h('h1', {}, 'Berth')];
  if (setupOpen) {
    parts.push(form('setup-form', 'Create the owner account', [
      h('p', {class: 'muted'}, 'First run: nobody has signed up yet. Enter the one-time setup code the node printed ',
        'at start ("One-time setup code …"). The account becomes the owner; sign-up then closes.'),
      field('Setup code', 'code', 'text', 'off'),
      field('Email', 'email', 'email', 'username'),
      field('Display name', 'displayName', 'text', 'name'),
      field('Password (12 characters or more)', 'password', 'password', 'new-password'),
    ], async (values) => {
      await api('POST', '/setup', values);
      await start(values.email, values.password);
    }));
  }
  parts.push(signIn);
  fill(view, h('section', {class: 'narrow'}, parts));
}

async function start(email, password) {
  const session = await api('POST', '/session', {email, password});
  setCsrf(session.csrfToken);
  signedIn();
}

function field(label, name, type, autocomplete) {
  return h('label', {}, label, h('input', {name, type, autocomplete, required: true}));
}

/** A form whose submit calls action(values); errors are shown as the API states them. */
export function form(id, title, children, action) {
  const button = h('button', {type: 'submit'}, title);
  const f = h('form', {id, class: 'card'}, h('h2', {}, title), children, button);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    for (const input of f.querySelectorAll('input[name], select[name], textarea[name]')) {
      if (input.value !== '') values[input.name] = input.value;
    }
    button.disabled = true;
    try {
      notify(null);
      await action(values, f);
    } catch (err) {
      notify(errorText(err));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}
