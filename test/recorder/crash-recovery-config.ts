/**
 * The tree of the crash-recovery test: the paper-trading tree (test/paper/paper-config.ts) with a
 * recorder on an embedded PGlite database, one market maker and the arbitrage (B trades 20 bps above
 * A: it fires at once and leaves positions on both venues). The market maker quotes once, never
 * requotes, and quotes wide (γ 0.5: about ±490 USDT around a mid that moves some 6 USDT/√s), so its
 * quotes rest through the crash: one filled while the bot is down would change the positions the test
 * compares. The recorder is not wired by hand: the runtime connects the order manager, risk and the
 * kill switch to it.
 */
import { paperConfigYaml, type PaperConfig, type PaperVenueUrls } from '../paper/paper-config.js';

export const crashRecoveryConfigYaml = (dir: string, a: PaperVenueUrls, b: PaperVenueUrls): PaperConfig =>
  paperConfigYaml(dir, a, b, { recorder: true, marketMakerVenues: [1], marketMakerParams: { gamma: 0.5, requoteThresholdTicks: 100_000_000 }, seed: 9 });
