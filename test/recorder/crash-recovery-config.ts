/**
 * The tree of the crash-recovery test: the paper-trading tree (test/paper/paper-config.ts) with a
 * recorder on an embedded PGlite database, one market maker (on A, quoting once and never
 * requoting, so its quotes rest) and the arbitrage (B trades 20 bps above A: it fires at once and
 * leaves positions on both venues). The recorder is not wired by hand: the runtime connects the
 * order manager, risk and the kill switch to it.
 */
import { paperConfigYaml, type PaperConfig, type PaperVenueUrls } from '../paper/paper-config.js';

export const crashRecoveryConfigYaml = (dir: string, a: PaperVenueUrls, b: PaperVenueUrls): PaperConfig =>
  paperConfigYaml(dir, a, b, { recorder: true, marketMakerVenues: [1], requoteThresholdTicks: 100_000_000, seed: 9 });
