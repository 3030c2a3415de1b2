import { join } from 'node:path';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledRoot } from '../../src/runtime/package-root.js';
import varTask, { type VarTaskInput, type VarTaskResult } from '../../actors/risk/var-task.js';

describe('VaR on a real piscina pool', () => {
  const pool = new Piscina<VarTaskInput, VarTaskResult>({ filename: join(compiledRoot(), 'actors', 'risk', 'var-task.js'), minThreads: 1, maxThreads: 1 });
  afterAll(() => pool.destroy());
  const returns = [[-0.05], [-0.04], [0.01], [0.02], [0.03], [-0.01], [0.0], [0.04], [0.05], [-0.02]];

  it('runs historical and Monte Carlo VaR in a worker and returns what the direct call returns', async () => {
    const historical: VarTaskInput = { method: 'historical', returns, exposures: [1000], confidence: 0.8 };
    const fromPool = await pool.run(historical);
    expect(fromPool).toEqual(varTask(historical));
    expect(fromPool.valueAtRisk).toBeCloseTo(40, 9); // tail of 2: losses 50, 40
    const mc: VarTaskInput = { method: 'monteCarlo', returns, exposures: [1000], confidence: 0.95, scenarios: 5000, seed: 9 };
    expect(await pool.run(mc)).toEqual(varTask(mc));
  });

  it('a bad input rejects with a clear message and the pool keeps working', async () => {
    await expect(pool.run({ method: 'parametric' } as unknown as VarTaskInput)).rejects.toThrow(/method must be 'historical' or 'monteCarlo'/);
    await expect(pool.run({ method: 'historical', returns, exposures: [1000], confidence: 0.8 })).resolves.toMatchObject({ method: 'historical' });
  });
});
