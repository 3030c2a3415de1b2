/**
 * The `dashboard` config section (on by default on loopback, `false` turns it off, bad values are
 * named) and the admin command `bot4 ctl dashboard` asks (not_available while none runs).
 */
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/admin/dispatch.js';
import { ProcessBackend } from '../../src/cli/process-backend.js';
import { configSchema } from '../../src/config/schema.js';
import { MemoryBackend } from '../admin/memory-backend.js';

const dashboard = configSchema.shape.dashboard;

describe('dashboard config', () => {
  it('defaults to loopback port 18480, read-only, a token file in the data folder', () => {
    expect(dashboard.parse(undefined)).toEqual({ host: '127.0.0.1', port: 18480, token_path: 'data/dashboard.token', allow_trip: false, refresh_ms: 500 });
  });

  it('is turned off with false', () => {
    expect(dashboard.parse(false)).toBe(false);
  });

  it.each([
    [{ port: 70000 }, 'port'],
    [{ port: -1 }, 'port'],
    [{ refresh_ms: 5000 }, 'refresh_ms'],
    [{ allow_trip: 'yes' }, 'allow_trip'],
    [{ token: 'abc' }, 'token'],
    [true, ''],
  ])('refuses %j, naming %s', (value, key) => {
    const result = dashboard.safeParse(value);
    expect(result.success).toBe(false);
    if (key !== '') expect(JSON.stringify(result.error?.issues)).toContain(key);
  });
});

describe('admin command dashboard', () => {
  it('answers not_available while no dashboard runs, then where it listens', async () => {
    const backend = new ProcessBackend(new MemoryBackend(), async () => undefined);
    const ask = () => dispatch(backend, { id: 1, cmd: 'dashboard', args: {} }, () => undefined);
    await expect(ask()).rejects.toMatchObject({ name: 'AdminError', code: 'not_available', message: expect.stringContaining('dashboard: false') });
    backend.dashboardInfo = { url: 'http://127.0.0.1:5/?token=t', origin: 'http://127.0.0.1:5', allowTrip: false };
    expect(await ask()).toEqual({ result: backend.dashboardInfo });
  });
});
