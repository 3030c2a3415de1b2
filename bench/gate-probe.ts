/** Shared words between bench/kill-switch.ts and its observer thread (one 64-byte line each). */
export const GateProbe = { ARMED: 0, READY: 16, ACKED: 32, SEEN_AT_BYTE: 192, BYTES: 200 } as const;
