import type { Io } from '../io.js';

/** Live progress on a terminal: one line rewritten in place on stderr. */
export function progressReporter(io: Io) {
  let shown = false;
  return {
    update(progress: { done: number; total: number; name: string; action: string }) {
      shown = true;
      io.stderr(`\r\u001b[2K[${progress.done}/${progress.total}] ${progress.action} ${progress.name}`);
    },
    finish() {
      if (shown) io.stderr('\r\u001b[2K');
    },
  };
}
