// Live events come in bursts; a page asks the server again once for a burst, not per event.

/**
 * A call that runs `fn` soon (after 200 ms, so a burst is one call) and then not more often
 * than every `ms`; `lastRun` is when it counts as run last (0: never).
 */
export function atMostEvery(ms: number, fn: () => void, lastRun = 0): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        lastRun = Date.now();
        fn();
      },
      Math.max(200, lastRun + ms - Date.now()),
    );
  };
}
