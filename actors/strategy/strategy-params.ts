/**
 * Parameter validation shared by the strategies: each strategy declares a zod schema for its
 * parameters (plus cross-field rules) and parses raw config through `parseStrategyParams`,
 * which reports every bad parameter by its path, not just the first. (zod 4 numbers refuse
 * NaN and ±Infinity already.)
 */
import { z } from 'zod';
import { formatPath } from '../../src/config/config-error.js';

export class StrategyParamError extends RangeError {
  override readonly name = 'StrategyParamError';
  readonly problems: readonly string[];

  constructor(kind: string, problems: readonly string[]) {
    super(`${kind}: invalid parameters:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function parseStrategyParams<T>(kind: string, schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${formatPath([...path, key])}: unknown parameter`);
    return [`${formatPath(path) || '(parameters)'}: ${issue.message}`];
  });
  throw new StrategyParamError(kind, problems);
}

export const positive = () => z.number().positive();
export const nonNegative = () => z.number().nonnegative();
export const positiveInt = () => z.int().positive();
export const marketId = () => z.int().nonnegative();
