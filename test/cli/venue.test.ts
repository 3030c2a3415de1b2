import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './run-cli.js';

describe('bot4 venue', () => {
  it('serves the emulator on the printed URL and stops with exit code 0 on SIGTERM', async () => {
    const child = startCli(['venue', '--port', '0', '--seed', '5']);
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (/REST:\s+\S+/.test(stdout)) resolve();
      };
      child.stdout!.on('data', check);
      child.once('close', () => reject(new Error(`venue exited early: ${stdout}`)));
    });
    const rest = /REST:\s+(\S+)/.exec(stdout)![1]!;
    const ping = await fetch(`${rest}/ping`);
    expect(ping.status).toBe(200);
    expect(await ping.json()).toEqual({});
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a bad port with exit code 2', async () => {
    const { code, stderr } = await runCli(['venue', '--port', 'http']);
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be an integer from 0 to 65535, got "http"');
  });
});
