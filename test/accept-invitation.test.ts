// The page an invitation's link opens (/accept-invitation#token=kgi_...) and the public query behind it,
// `invitationPreview`. The page is driven in headless Debian Chromium (playwright-core, as in
// test/graphiql.test.ts) against keygraph served over HTTP on 127.0.0.1: it shows who invites whom into
// which account, accepts as a new person (choosing a password) or as an existing user (signing in), and
// the membership is then there through the API. No request leaves 127.0.0.1.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateUserDocument } from './generated/graphql.js';
import { account, group } from './support/fixtures.js';
import { provider, startTestApp, type TestApp } from './support/harness.js';
import { capturingSender } from './support/outbox.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHROMIUM = '/usr/lib/chromium/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env.CI);
const PASSWORD = 'a password for the page';

const PREVIEW = 'query($t: String!) { invitationPreview(token: $t) { inviterName accountName email expiresAt } }';
const CREATE_GROUP_INVITATION = 'mutation($i: CreateGroupInvitationInput!) { createGroupInvitation(input: $i) { invitation { id } errors { message } } }';
const MEMBERS = 'query($g: ID!) { node(id: $g) { ... on Group { members(first: 100) { edges { node { user { email firstName } } } } } } }';

describe(`the accept-invitation page and invitationPreview (${provider})`, () => {
  const sender = capturingSender();
  let t: TestApp;
  let server: Server;
  let base: string;
  let acme: string;
  let engineering: string;

  /** Invites `email` into a group as the admin; the token of the message sent. */
  async function invite(email: string, groupId = engineering): Promise<{ token: string; invitationId: string }> {
    const created = (await t.ok<Json, Json>(CREATE_GROUP_INVITATION, { i: { groupId, email } })).createGroupInvitation;
    expect(created.errors).toEqual([]);
    await t.app.services.outbox.flush();
    return { token: sender.tokenFor(email), invitationId: created.invitation.id };
  }
  const members = async (groupId: string) => (await t.ok<Json, Json>(MEMBERS, { g: groupId })).node.members.edges.map((e: Json) => e.node.user);

  beforeAll(async () => {
    t = await startTestApp({}, { sender });
    // The inviter's display name is what the page shows (never their email).
    await t.app.db.prisma.user.update({ where: { id: t.admin.userId }, data: { firstName: 'Rita', lastName: 'Root' } });
    acme = await account(t, 'Acme & <Co>');
    engineering = await group(t, acme, 'Engineering');
    server = createServer(t.app.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await t.close();
  });

  describe('invitationPreview', () => {
    it("shows a pending invitation's inviter name, account, email and expiry to anyone holding its token, and nothing more", async () => {
      const { token } = await invite('preview@example.com');
      const { invitationPreview } = await t.as(null).ok<Json, Json>(PREVIEW, { t: token });
      expect(invitationPreview).toEqual({ inviterName: 'Rita Root', accountName: 'Acme & <Co>', email: 'preview@example.com', expiresAt: expect.any(String) });
      expect(new Date(invitationPreview.expiresAt).getTime()).toBeGreaterThan(Date.now());
    });

    it('is null for a revoked, expired, accepted, unknown, mistyped or foreign token, alike', async () => {
      const anonymous = t.as(null);
      const preview = async (token: string) => (await anonymous.ok<Json, Json>(PREVIEW, { t: token })).invitationPreview;
      const revoked = await invite('revoked@example.com');
      await t.ok<Json, Json>('mutation($i: DeleteInvitationInput!) { deleteInvitation(input: $i) { errors { message } } }', { i: { id: revoked.invitationId } });
      const expired = await invite('expired@example.com');
      await t.app.db.prisma.invitation.update({ where: { id: decodeGlobalID(expired.invitationId).id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const used = await invite('used@example.com');
      const accepted = await anonymous.ok<Json, Json>('mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { mode errors { message } } }', { i: { token: used.token, password: PASSWORD } });
      expect(accepted.acceptInvitation).toEqual({ mode: 'NEW_USER', errors: [] });
      const unknown = `${used.token.slice(0, 4)}${'A'.repeat(used.token.length - 4)}`;
      for (const token of [revoked.token, expired.token, used.token, unknown, 'kgi_nope', '', 'kgs_not_an_invitation']) expect(await preview(token), token).toBeNull();
    });
  });

  describe.skipIf(!haveChromium && !inCI)('in headless Chromium', () => {
    let browser: Browser;
    const nonLocal: string[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      expect(nonLocal).toEqual([]);
    });

    async function open(token: string, body: (page: Page) => Promise<void>): Promise<void> {
      const context = await browser.newContext();
      context.on('request', (request) => {
        if (!request.url().startsWith(base)) nonLocal.push(request.url());
      });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));
      try {
        const response = await page.goto(`${base}/accept-invitation#token=${token}`);
        expect(response?.status()).toBe(200);
        expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
        await body(page);
        expect(problems, 'errors in the page (CSP refusals included)').toEqual([]);
      } finally {
        await context.close();
      }
    }

    it('a new person sees the invitation, chooses a password, and is in the group', { timeout: 60_000 }, async () => {
      const { token } = await invite('newbie@example.com');
      await open(token, async (page) => {
        await expect.poll(() => page.locator('#invitation').isVisible()).toBe(true);
        expect(await page.locator('#invitation p').first().innerText()).toBe('Rita Root invites newbie@example.com to join Acme & <Co>.');
        await page.fill('#new-first', 'Nia');
        await page.fill('#new-password', PASSWORD);
        await page.fill('#new-confirm', PASSWORD);
        await page.click('#newuser button');
        await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
        expect(await page.locator('#done p').first().innerText()).toBe('You joined Acme & <Co>: 1 group membership, 0 roles, 0 grants.');
      });
      expect(await members(engineering)).toContainEqual({ email: 'newbie@example.com', firstName: 'Nia' });
      expect(await t.login('newbie@example.com', PASSWORD)).toMatch(/\./);
    });

    it('someone who already has a user signs in on the page and accepts; a wrong password says so and changes nothing', { timeout: 60_000 }, async () => {
      const { createUser } = await t.ok(CreateUserDocument, { input: { accountId: await account(t, 'Elsewhere'), email: 'known@example.com', password: PASSWORD } });
      expect(createUser.errors).toEqual([]);
      const { token } = await invite('known@example.com');
      await open(token, async (page) => {
        await expect.poll(() => page.locator('#invitation').isVisible()).toBe(true);
        await page.fill('#signin-password', 'not the password');
        await page.click('#signin button');
        await expect.poll(() => page.locator('#signin .error').isVisible()).toBe(true);
        expect(await members(engineering)).not.toContainEqual(expect.objectContaining({ email: 'known@example.com' }));
        await page.fill('#signin-password', PASSWORD);
        await page.click('#signin button');
        await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
        expect(await page.locator('#done-mode').innerText()).toBe('It was added to your keygraph user.');
      });
      expect(await members(engineering)).toContainEqual(expect.objectContaining({ email: 'known@example.com' }));
    });

    it('a used or mangled link says it no longer works', { timeout: 60_000 }, async () => {
      for (const token of [sender.tokenFor('newbie@example.com'), 'kgi_mangled']) {
        await open(token, async (page) => {
          await expect.poll(() => page.locator('#invalid').isVisible()).toBe(true);
          expect(await page.locator('#invitation').isVisible()).toBe(false);
        });
      }
    });
  });
});
