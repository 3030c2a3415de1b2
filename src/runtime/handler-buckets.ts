/**
 * Upper bounds (nanoseconds) of the handler-time histogram each actor host keeps in its
 * status block (actor-status.ts) and the supervisor exports as
 * `bot4_actor_handler_duration_seconds` (src/metrics/). Fixed at build time: the status
 * block's layout depends on how many there are. From 1 µs (a decode and a branch) to
 * 100 ms (a handler that blocks its thread), roughly 1-2.5-5 per decade.
 */
export const HANDLER_BUCKET_BOUNDS_NS: readonly number[] = [
  1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 10_000_000, 100_000_000,
];
