// Which stored messages the widget may have missed. Every stored message has a
// per-conversation seq; socket.io's Redis pub/sub delivers at most once, so a
// seq that does not follow on from what was seen means something was lost, or
// is only late, or was never for the customer (an agent's note). After a short
// wait the widget asks for the transcript after the last seq it is sure of;
// the server's `history` says how far it read (`last_seq`).

/** Wait this long for a late message before asking the server. */
export const GAP_WAIT_MS = 800;

export function createGapTracker() {
  let through = 0; // every seq up to here was seen (or is not for the customer)
  const ahead = new Set(); // seqs seen beyond `through`

  function advance() {
    while (ahead.has(through + 1)) {
      through += 1;
      ahead.delete(through);
    }
    for (const seq of ahead) if (seq <= through) ahead.delete(seq);
  }

  return {
    /** A new session, or one whose whole transcript was replayed up to `lastSeq`. */
    reset(lastSeq = 0) {
      through = lastSeq;
      ahead.clear();
    },
    /** A stored message arrived; true when something before it is missing. */
    seen(seq) {
      if (Number.isInteger(seq) && seq > through) {
        ahead.add(seq);
        advance();
      }
      return ahead.size > 0;
    },
    /** The server replayed everything up to `lastSeq`; true when a gap remains. */
    caughtUp(lastSeq) {
      if (Number.isInteger(lastSeq) && lastSeq > through) {
        through = lastSeq;
        advance();
      }
      return ahead.size > 0;
    },
    /** The seq to ask for history after. */
    get through() {
      return through;
    },
    get missing() {
      return ahead.size > 0;
    },
  };
}
