/**
 * Piscina task: VaR off the risk actor's thread. Monte Carlo over thousands of scenarios takes
 * milliseconds to seconds, too long to run between ring messages. Input and output are plain
 * structured-cloneable data.
 */
import { historicalVar, monteCarloVar, type RiskMeasure } from './var.js';

export type VarTaskInput =
  | { method: 'historical'; returns: number[][]; exposures: number[]; confidence: number }
  | { method: 'monteCarlo'; returns: number[][]; exposures: number[]; confidence: number; scenarios: number; seed: number };

export type VarTaskResult = RiskMeasure & { method: VarTaskInput['method'] };

export default function varTask(input: VarTaskInput): VarTaskResult {
  if (input === null || typeof input !== 'object') throw new TypeError(`var-task: input must be an object, got ${String(input)}`);
  switch (input.method) {
    case 'historical':
      return { method: 'historical', ...historicalVar(input.returns, input.exposures, input.confidence) };
    case 'monteCarlo':
      return { method: 'monteCarlo', ...monteCarloVar(input.returns, input.exposures, input.confidence, { scenarios: input.scenarios, seed: input.seed }) };
    default:
      throw new TypeError(`var-task: method must be 'historical' or 'monteCarlo', got ${JSON.stringify((input as { method?: unknown }).method)}`);
  }
}
