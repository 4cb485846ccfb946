// The page an invitation's link opens: GET /accept-invitation#token=kgi_... One small HTML document with
// its style and script inline (no CDN, nothing else loaded), allowed by a Content-Security-Policy that
// names their hashes. The token stays in the URL fragment, which browsers never send to a server; the
// script reads it and talks to the GraphQL API only: `invitationPreview` to show who invites whom into
// which account, then either `login` + `acceptInvitation` (someone who already has a keygraph user) or
// `acceptInvitation` with a new password. Every text from the server is set with textContent.
import { createHash } from 'node:crypto';

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
main { max-width: 34rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
h1 { font-size: 1.4rem; margin-top: 0; }
fieldset { border: 1px solid #d6d9e0; border-radius: 6px; margin: 1rem 0; padding: 1rem; }
legend { font-weight: 600; padding: 0 .3rem; }
label { display: block; margin: .5rem 0 .2rem; }
input { width: 100%; box-sizing: border-box; padding: .45rem; font: inherit; border: 1px solid #b9bfcc; border-radius: 4px; }
button { margin-top: .8rem; padding: .5rem 1rem; font: inherit; border: 0; border-radius: 4px; background: #2754c5; color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
.error { color: #b00020; }
.muted { color: #5b6475; font-size: .9rem; }
[hidden] { display: none !important; }
`;

const SCRIPT = `
'use strict';
const ENDPOINT = document.documentElement.dataset.endpoint;
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';

async function gql(query, variables, bearer) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
  if (bearer) headers.authorization = 'Bearer ' + bearer;
  const response = await fetch(ENDPOINT, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json().catch(() => ({ errors: [{ message: 'unexpected answer (HTTP ' + response.status + ')' }] }));
  if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

const ACCEPT = 'mutation AcceptInvitation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {' +
  ' mode assignmentCount grantCount roleAssignmentCount groupMembershipCount' +
  ' errors { __typename message field } } }';

function show(id) { for (const section of ['loading', 'invalid', 'invitation', 'done']) $(section).hidden = section !== id; }

function fail(form, message) {
  const out = form.querySelector('.error');
  out.textContent = message;
  out.hidden = false;
}

function accepted(result) {
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  $('done-account').textContent = $('account').textContent;
  $('done-counts').textContent = [plural(result.groupMembershipCount, 'group membership', 'group memberships'), plural(result.roleAssignmentCount, 'role', 'roles'), plural(result.grantCount, 'grant', 'grants')].join(', ');
  $('done-mode').textContent = result.mode === 'NEW_USER' ? 'Your keygraph user was created; sign in with your email and the password you chose.' : 'It was added to your keygraph user.';
  show('done');
}

async function submit(form, run) {
  const button = form.querySelector('button');
  form.querySelector('.error').hidden = true;
  button.disabled = true;
  try {
    const result = (await run()).acceptInvitation;
    if (result.errors.length) fail(form, result.errors.map((e) => e.message).join('; '));
    else accepted(result);
  } catch (error) {
    fail(form, error.message);
  } finally {
    button.disabled = false;
  }
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  submit(form, async () => {
    const login = await gql('mutation Login($input: LoginInput!) { login(input: $input) { token errors { message } } }', { input: { identifier: $('invitee').textContent, password: form.elements.password.value } });
    if (!login.login.token) throw new Error(login.login.errors.map((e) => e.message).join('; ') || 'sign-in failed');
    return gql(ACCEPT, { input: { token } }, login.login.token);
  });
});

$('newuser').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  if (form.elements.password.value !== form.elements.confirm.value) return fail(form, 'the two passwords differ');
  submit(form, () => gql(ACCEPT, { input: { token, password: form.elements.password.value, firstName: form.elements.firstName.value || null, lastName: form.elements.lastName.value || null } }));
});

(async () => {
  if (!/^kgi_[A-Za-z0-9_]+$/.test(token)) return show('invalid');
  try {
    const { invitationPreview: preview } = await gql('query InvitationPreview($token: String!) { invitationPreview(token: $token) { inviterName accountName email expiresAt } }', { token });
    if (!preview) return show('invalid');
    $('inviter').textContent = preview.inviterName || 'Someone';
    $('account').textContent = preview.accountName;
    $('invitee').textContent = preview.email;
    $('expires').textContent = new Date(preview.expiresAt).toLocaleString();
    show('invitation');
  } catch (error) {
    $('invalid-reason').textContent = error.message;
    show('invalid');
  }
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export interface AcceptPage {
  html: string;
  contentSecurityPolicy: string;
}

export function acceptInvitationPage(graphqlEndpoint: string): AcceptPage {
  const endpoint = graphqlEndpoint.replace(/[^\w/.-]/g, '');
  const html = `<!doctype html>
<html lang="en" data-endpoint="${endpoint}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Accept your invitation · keygraph</title>
<style>${STYLE}</style>
</head>
<body>
<main>
  <h1>Your keygraph invitation</h1>
  <p id="loading">Reading the invitation…</p>
  <section id="invalid" hidden>
    <p>This invitation link does not work any more: it was used, withdrawn or has expired, or it was not copied whole. Ask whoever invited you to send it again.</p>
    <p id="invalid-reason" class="muted"></p>
  </section>
  <section id="invitation" hidden>
    <p><strong id="inviter"></strong> invites <strong id="invitee"></strong> to join <strong id="account"></strong>.</p>
    <p class="muted">Valid until <span id="expires"></span>.</p>
    <form id="signin">
      <fieldset>
        <legend>I already use keygraph</legend>
        <label for="signin-password">Your password</label>
        <input id="signin-password" name="password" type="password" autocomplete="current-password" required>
        <p class="error" hidden></p>
        <button type="submit">Sign in and accept</button>
      </fieldset>
    </form>
    <form id="newuser">
      <fieldset>
        <legend>I am new to keygraph</legend>
        <label for="new-first">First name (optional)</label>
        <input id="new-first" name="firstName" autocomplete="given-name">
        <label for="new-last">Last name (optional)</label>
        <input id="new-last" name="lastName" autocomplete="family-name">
        <label for="new-password">Choose a password (at least 8 characters)</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="8" required>
        <label for="new-confirm">The same password again</label>
        <input id="new-confirm" name="confirm" type="password" autocomplete="new-password" minlength="8" required>
        <p class="error" hidden></p>
        <button type="submit">Create my user and accept</button>
      </fieldset>
    </form>
  </section>
  <section id="done" hidden>
    <p>You joined <strong id="done-account"></strong>: <span id="done-counts"></span>.</p>
    <p id="done-mode"></p>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${hash(SCRIPT)}`,
    `style-src ${hash(STYLE)}`,
    "connect-src 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
