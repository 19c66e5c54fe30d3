// Progress for long runs: frames done, fps and ETA on one line of a terminal, rewritten at most
// ten times a second. Says nothing when the stream is not a terminal (piped, in CI, in tests).

/** @param {number} s */
function duration(s) {
  if (!Number.isFinite(s) || s < 0) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/**
 * @param {object} options
 * @param {string} options.label what is being done
 * @param {number} [options.total] frames expected, when known (for the ETA)
 * @param {{ isTTY?: boolean, write(text: string): unknown }} [options.stream] default process.stderr
 * @param {() => number} [options.now] a clock in milliseconds
 */
export function progress({ label, total, stream = process.stderr, now = () => performance.now() }) {
  const tty = stream.isTTY === true;
  const start = now();
  let last = -Infinity;
  let done = 0;
  const line = () => {
    const seconds = (now() - start) / 1000;
    const fps = seconds > 0 ? done / seconds : 0;
    const count = total === undefined ? `${done}` : `${done}/${total}`;
    const eta = total === undefined || fps === 0 ? '' : `  ETA ${duration((total - done) / fps)}`;
    return `\r${label}: ${count} frames  ${fps.toFixed(1)} fps${eta}\x1b[K`;
  };
  return {
    /** @param {number} frames frames done so far */
    update(frames) {
      done = frames;
      if (!tty) return;
      const t = now();
      if (t - last < 100) return;
      last = t;
      stream.write(line());
    },
    /**
     * Ends the progress line (on a terminal): keeps it as a summary, or erases it with `keep: false`.
     * @param {{ keep?: boolean }} [options]
     */
    finish({ keep = true } = {}) {
      if (tty) stream.write(keep ? `${line()}\n` : '\r\x1b[K');
    },
  };
}
