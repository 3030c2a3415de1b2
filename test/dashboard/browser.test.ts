/**
 * The dashboard in a real headless Chromium against a real `bot4 start` (a kill-switch actor and two
 * test actors): the page refuses without the token and loads with the banner's URL; it shows every
 * actor of the tree; after `bot4 ctl kill` it shows HALTED within 1 s of the ctl's answer; when the
 * runtime stops it says the feed is lost and greys out. Screenshots go to <build output>/test-output/dashboard/.
 *
 * Waits go through locators, not waitForFunction: the page's CSP (no eval) refuses string predicates.
 *
 * Skipped, saying so, where Debian's chromium is not installed (`.ci/ensure-tools` installs it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/admin/client.js';
import type { TreeNode } from '../../src/admin/backend.js';
import { compiledRoot } from '../../src/runtime/package-root.js';
import { runCli } from '../cli/run-cli.js';
import { fixtureActor, startBot4, type Bot4Process } from '../cli/running-bot4.js';

const CHROMIUM = process.env.BOT4_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED test/dashboard/browser.test.ts: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set BOT4_CHROMIUM)`);
const OUTPUT = join(compiledRoot(), 'test-output', 'dashboard');

let bot4: Bot4Process;
let browser: Browser;
let page: Page;
let url: string;

beforeAll(async () => {
  if (!haveChromium) return;
  [bot4, browser] = await Promise.all([
    startBot4(
      (dir) => `
runtime:
  actor_modules:
    misbehaving: ${fixtureActor('misbehaving')}
admin:
  socket_path: ${dir}/run/bot4.sock
logging:
  dir: ${dir}/logs
  console: json
dashboard:
  token_path: ${dir}/data/dashboard.token
  refresh_ms: 250
tree:
  name: root
  strategy: one_for_one
  children:
    - name: safety
      strategy: one_for_all
      children:
        - name: kill-switch
          actor: kill-switch
          config: { state_file: ${dir}/kill-switch.json, dead_man_timeout_ms: 0, lease_ms: 10000 }
    - name: workers
      strategy: one_for_one
      children:
        - { name: a, actor: misbehaving }
        - { name: b, actor: misbehaving }
`,
    ),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  mkdirSync(OUTPUT, { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await bot4?.dispose();
});

const stateText = (): Promise<string | null> => page.textContent('#trading-state');

describe.skipIf(!haveChromium)('dashboard in headless Chromium against bot4 start', () => {
  it('prints a ready-to-open URL in the banner and from bot4 ctl dashboard; refuses the page without the token', async () => {
    const line = /^ {2}dashboard: +(http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43})$/m.exec(bot4.stdout());
    expect(line, bot4.stdout()).not.toBeNull();
    url = line![1]!;
    const fromCtl = await runCli(['ctl', '--socket', bot4.socket, 'dashboard']);
    expect(fromCtl).toMatchObject({ code: 0, stdout: `${url}\n` });

    const origin = url.slice(0, url.indexOf('/?'));
    const refused = await page.goto(origin);
    expect(refused?.status()).toBe(401);
    expect(await page.textContent('body')).toBe('Unauthorized\n');
    expect((await page.goto(`${origin}/?token=not-the-token`))?.status()).toBe(401);
  });

  it('loads with the token and shows every actor of the tree, live', async () => {
    const loaded = await page.goto(url);
    expect(loaded?.status()).toBe(200);
    expect(page.url()).not.toContain('token='); // traded for a cookie on the first answer
    await page.locator('#trading-state', { hasText: /^ACTIVE$/ }).waitFor({ timeout: 10_000 });
    expect(await page.isVisible('#feed-banner')).toBe(false);

    const client = await AdminClient.connect(bot4.socket);
    const tree: TreeNode = await client.request('tree', {});
    client.close();
    const paths: string[] = [];
    const walk = (n: TreeNode): void => {
      paths.push(n.path);
      n.children.forEach(walk);
    };
    walk(tree);
    expect(paths).toEqual(['root', 'root/safety', 'root/safety/kill-switch', 'root/workers', 'root/workers/a', 'root/workers/b']);
    await page.locator('#tree-table tbody td.status-running').nth(5).waitFor({ timeout: 10_000 });
    expect((await page.getAttribute('#tree-table', 'data-paths'))?.split(' ')).toEqual(paths);
    const names = await page.$$eval('#tree-table tbody tr td:first-child', (cells) => cells.map((c) => c.textContent?.trim()));
    expect(names).toEqual(['root', 'safety', 'kill-switch', 'workers', 'a', 'b']);
    await page.screenshot({ path: join(OUTPUT, 'active.png'), fullPage: true });
  });

  it('shows HALTED within 1 s of the answer to bot4 ctl kill', async () => {
    const kill = await runCli(['ctl', '--socket', bot4.socket, 'kill', 'browser test trip']);
    const ackAt = Date.now();
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toMatch(/^trading state: HALTED/);
    await page.locator('#trading-state', { hasText: /^HALTED$/ }).waitFor({ timeout: 1000 });
    const shownAfterMs = Date.now() - ackAt;
    console.log(`dashboard showed HALTED ${shownAfterMs} ms after the ctl kill answer`);
    expect(shownAfterMs).toBeLessThanOrEqual(1000);
    expect(await page.textContent('#trading-reason')).toContain('browser test trip');
    expect(await page.getAttribute('#trading', 'class')).toBe('trading halted');
    await page.locator('#killswitch-table tbody td', { hasText: /^browser test trip$/ }).waitFor({ timeout: 2000 });
    // the event stream filters as one types: only the kill switch's events are left
    await page.fill('#events-filter', 'killswitch');
    const topics = await page.$$eval('#events-table tbody tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent));
    expect(topics.length).toBeGreaterThan(0);
    expect(topics.every((t) => t?.startsWith('killswitch'))).toBe(true);
    await page.fill('#events-filter', '');
    await page.screenshot({ path: join(OUTPUT, 'halted.png'), fullPage: true });
  });

  it('says the feed is lost and greys the figures out once the runtime stops', async () => {
    const stop = await runCli(['ctl', '--socket', bot4.socket, 'shutdown', 'browser test over']);
    expect(stop.code).toBe(0);
    await bot4.exited;
    const exitedAt = Date.now();
    await page.locator('#feed-banner', { hasText: /^FEED LOST/ }).waitFor({ timeout: 1000 });
    console.log(`dashboard showed the feed lost ${Date.now() - exitedAt} ms after bot4 start exited`);
    expect(await page.isVisible('#feed-banner')).toBe(true);
    expect(await page.textContent('#feed-banner')).toMatch(/^FEED LOST: the runtime stopped \(admin: browser test over\)\. The figures below are from .* and are NOT live\.$/);
    expect(await page.getAttribute('body', 'class')).toBe('stale');
    expect(await stateText()).toBe('HALTED'); // what it last knew, greyed out, never blanked
    await page.screenshot({ path: join(OUTPUT, 'feed-lost.png'), fullPage: true });
  });
});
