// Onboarding: slug (checked as you type with the server's own rule), display name, the image (one
// the node offers, by name), secrets — one submit. Secret values live only in password fields and are cleared from the page once sent.
import {api} from '../api.js';
import {h, fill} from '../dom.js';
import {notify, errorText} from '../app.js';

export function onboardPage(view) {
  const slug = h('input', {name: 'slug', id: 'onboard-slug', autocomplete: 'off', required: true, spellcheck: 'false'});
  const slugHint = h('small', {id: 'onboard-slug-hint', class: 'hint'});
  const name = h('input', {name: 'displayName', id: 'onboard-name', autocomplete: 'off'});
  const reason = h('input', {name: 'reason', id: 'onboard-reason', autocomplete: 'off'});
  const image = h('select', {name: 'image', id: 'onboard-image'}, h('option', {value: ''}, 'the default image'));
  api('GET', '/images').then((r) => {
    fill(image, h('option', {value: ''}, 'the default image (' + r.default + ')'),
      ...Object.entries(r.images).map(([n, ref]) => h('option', {value: n}, n + ' (' + ref + ')')));
  }).catch((e) => notify(errorText(e)));
  const secrets = h('div', {id: 'onboard-secrets'});
  const submit = h('button', {type: 'submit', id: 'onboard-submit'}, 'Onboard');
  let rules = null;
  api('GET', '/rules').then((r) => { rules = r; check(); }).catch((e) => notify(errorText(e)));

  function check() {
    if (!rules) return true;
    const ok = new RegExp('^(?:' + rules.slug + ')$').test(slug.value);
    slug.setAttribute('aria-invalid', String(!ok && slug.value !== ''));
    fill(slugHint, slug.value === '' ? rules.slugText : ok ? '✓ ' + slug.value + ' is a valid slug' : '✗ ' + rules.slugText);
    return ok;
  }
  slug.addEventListener('input', check);

  function secretRow() {
    const row = h('div', {class: 'secret-row'},
      h('input', {class: 'secret-name', placeholder: 'NAME', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Secret name'}),
      h('input', {class: 'secret-value', type: 'password', placeholder: 'value', autocomplete: 'new-password',
        'aria-label': 'Secret value'}),
      h('button', {type: 'button', 'aria-label': 'Remove this secret', onclick: () => row.remove()}, 'Remove'));
    secrets.append(row);
  }
  secretRow();

  const form = h('form', {id: 'onboard-form', class: 'card'},
    h('h1', {}, 'Onboard a tenant'),
    h('label', {}, 'Slug', slug, slugHint),
    h('label', {}, 'Display name', name),
    h('label', {}, 'Image', image),
    h('fieldset', {}, h('legend', {}, 'Secrets (delivered to the tenant; never shown again)'), secrets,
      h('button', {type: 'button', id: 'onboard-add-secret', onclick: secretRow}, 'Add a secret')),
    h('label', {}, 'Reason (recorded in the journal)', reason),
    submit);
  fill(view, h('section', {class: 'narrow'}, form));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!check()) return;
    const body = {slug: slug.value};
    if (name.value.trim()) body.displayName = name.value.trim();
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (image.value) body.image = image.value;
    const values = {};
    for (const row of secrets.querySelectorAll('.secret-row')) {
      const n = row.querySelector('.secret-name').value.trim();
      const v = row.querySelector('.secret-value');
      if (n) values[n] = v.value;
    }
    if (Object.keys(values).length) body.secrets = values;
    submit.disabled = true;
    try {
      notify(null);
      await api('POST', '/tenants', body);
      location.hash = '#/tenants/' + encodeURIComponent(body.slug);
    } catch (err) {
      notify(errorText(err));
    } finally {
      // the values leave the page whatever the answer: typed again if need be
      for (const v of secrets.querySelectorAll('.secret-value')) v.value = '';
      for (const k of Object.keys(values)) delete values[k];
      delete body.secrets;
      submit.disabled = false;
    }
  });
}
