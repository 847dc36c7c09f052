/**
 * Counts the turns of the event loop from now until `stop()`. A server answers other requests (a
 * health probe, a page) only when its event loop turns, so this is what they would get meanwhile.
 */
export function countEventLoopTurns(): { stop: () => number } {
  let turns = 0;
  let counting = true;
  const spin = () => {
    if (!counting) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  return {
    stop: () => {
      counting = false;
      return turns;
    },
  };
}
