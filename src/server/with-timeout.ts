/**
 * Waits for `work` at most `ms` milliseconds: true when it settled in time
 * (fulfilled or rejected: its rejection is the caller's to handle, or is
 * ignored), false when the time ran out first. The timer is cleared either way.
 */
export async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  work.catch(() => undefined);
  try {
    return await Promise.race([work.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
