/**
 * Reconnect delays for long-lived connections: exponential from `minMs` to `maxMs`, with up to
 * 20% jitter subtracted so a restarted worker is not hit by every tab at the same instant.
 */
export function backoffDelay(attempt: number, minMs = 500, maxMs = 30_000, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
  return Math.round(base * (1 - 0.2 * random()));
}
