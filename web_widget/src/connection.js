// The socket to the gateway. It starts a session on every (re)connection and
// passes the server's events on; emits are made only while connected, so
// nothing piles up in socket.io's own buffer (the outbox is the widget's).

import { io } from "socket.io-client";
import { socketPath } from "./server.js";
import { CustomerEvent } from "./generated/constants.js";
import { sessionRequestPayload } from "./protocol.js";

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** How long to wait for the acknowledgement of a `call`. */
const ACK_TIMEOUT_MS = 10_000;

/**
 * `handlers`: {connected, disconnected, failed, sessionConfirmed(id), botUttered,
 * history(messages, lastSeq), messageAck, handoffStatus, typing, error} — each given the event's payload.
 * `currentSessionId()` is asked on each connection for the id to resume, and
 * `currentIdentity()` for the signed-in customer (null if none).
 */
export function createConnection(serverBase, currentSessionId, handlers, language, currentIdentity = () => null) {
  // The origin only: socket.io-client would take a path in the URL for a namespace.
  const socket = io(new URL(serverBase).origin, {
    path: socketPath(serverBase),
    transports: ["websocket", "polling"],
    tryAllTransports: true, // fall back to polling where websockets are blocked
    autoConnect: false,
    reconnectionDelayMax: RETRY_MAX_MS,
  });

  // A connection the server refused (socket.io "connect_error" with the socket
  // inactive) is not retried by socket.io itself: retry it here, with a doubling, capped wait.
  let retryDelay = RETRY_FIRST_MS;
  let retryTimer = null;

  function requestSession() {
    socket.emit(CustomerEvent.SESSION_REQUEST, sessionRequestPayload(currentSessionId(), language, currentIdentity()));
  }

  socket.on("connect", () => {
    retryDelay = RETRY_FIRST_MS;
    handlers.connected();
    requestSession();
  });
  socket.on("disconnect", (reason) => {
    handlers.disconnected(reason);
    // The server closing the socket stops socket.io's own reconnection; the customer still wants to chat.
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (error) => {
    handlers.failed(error);
    if (!socket.active) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => socket.connect(), retryDelay);
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
    }
  });

  socket.on(CustomerEvent.SESSION_CONFIRM, (id) => {
    const sessionId = typeof id === "string" ? id : id && id.session_id; // Rasa's channel sends a string
    if (typeof sessionId === "string" && sessionId) handlers.sessionConfirmed(sessionId);
  });
  socket.on(CustomerEvent.BOT_UTTERED, (data) => handlers.botUttered(data || {}));
  socket.on(CustomerEvent.HISTORY, (data) =>
    handlers.history(data && Array.isArray(data.messages) ? data.messages : [], data && Number.isInteger(data.last_seq) ? data.last_seq : null),
  );
  socket.on(CustomerEvent.MESSAGE_ACK, (data) => data && handlers.messageAck(data));
  socket.on(CustomerEvent.HANDOFF_STATUS, (data) => data && handlers.handoffStatus(data));
  socket.on(CustomerEvent.TYPING, (data) => data && handlers.typing(data));
  socket.on(CustomerEvent.ERROR, (data) => handlers.error(data || {}));
  socket.on(CustomerEvent.WELCOME, (data) => data && typeof data === "object" && handlers.welcome(data));

  return {
    /** Connect if not already connected or trying. */
    start() {
      if (!socket.connected && !socket.active) socket.connect();
    },
    get connected() {
      return socket.connected;
    },
    /** Ask again for the session (after the server could not open it). */
    requestSession() {
      if (socket.connected) requestSession();
    },
    /** Send now if connected; false otherwise (the caller keeps what must not be lost). */
    emit(event, payload) {
      if (!socket.connected) return false;
      socket.emit(event, payload);
      return true;
    },
    /**
     * Send now with an acknowledgement callback; resolves to the server's answer
     * (an object), or null when not connected or no answer came in time.
     */
    call(event, payload) {
      if (!socket.connected) return Promise.resolve(null);
      return new Promise((resolve) => {
        socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (error, answer) => {
          resolve(!error && answer && typeof answer === "object" ? answer : null);
        });
      });
    },
  };
}
