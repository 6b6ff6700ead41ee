// The agent's socket to the gateway (namespace /agent). Calls go out with an
// acknowledgement and resolve to the server's `{ok, ...}` answer; a call that
// cannot be made or gets no answer resolves to `{ok: false, error}` too, so
// callers handle one shape. Nothing is queued while disconnected.

import { io } from "./socket.io.esm.min.js";
import { AgentErrorCode, AgentEvent } from "./constants.js";
import { SOCKET_IO_PATH } from "./gateway.js";
import { AGENT_NAMESPACE, ConsoleError } from "./protocol.js";

const ACK_TIMEOUT_MS = 10_000;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * `handlers`: {connected, disconnected(reason), failed(error), unauthorized(code)
 * (the server refused the token, `unauthorized`, or the account, `forbidden`),
 * queue, myConversations, message, customerTyping, conversationUpdate, offlineTicket}; each
 * server event's handler is given its payload (an object, never null).
 */
export function createConnection(token, handlers) {
  const socket = io(AGENT_NAMESPACE, {
    path: SOCKET_IO_PATH, // under the gateway's base, which a proxy may serve under a path
    auth: { token },
    transports: ["websocket", "polling"],
    autoConnect: false,
    forceNew: true, // a new sign-in gets its own connection, never the last session's
    reconnectionDelayMax: RETRY_MAX_MS,
  });

  // socket.io retries lost connections itself, but not ones the server refused
  // or closed: those are retried here with a doubling, capped wait.
  let retryDelay = RETRY_FIRST_MS;
  let retryTimer = null;
  let stopped = false;

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (!stopped && !socket.connected) socket.connect();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  socket.on("connect", () => {
    retryDelay = RETRY_FIRST_MS;
    handlers.connected();
  });
  socket.on("disconnect", (reason) => {
    handlers.disconnected(reason);
    // The server closed the socket (perhaps the session ended): try again; a
    // token that is no longer valid comes back as connect_error "unauthorized".
    if (reason === "io server disconnect" && !stopped) retryLater();
  });
  socket.on("connect_error", (error) => {
    const refused = error && (error.message === AgentErrorCode.UNAUTHORIZED || error.message === AgentErrorCode.FORBIDDEN);
    if (refused) {
      stop();
      handlers.unauthorized(error.message);
      return;
    }
    handlers.failed(error);
    if (!socket.active && !stopped) retryLater();
  });

  const serverEvents = {
    [AgentEvent.QUEUE]: handlers.queue,
    [AgentEvent.MY_CONVERSATIONS]: handlers.myConversations,
    [AgentEvent.MESSAGE]: handlers.message,
    [AgentEvent.CUSTOMER_TYPING]: handlers.customerTyping,
    [AgentEvent.CONVERSATION_UPDATE]: handlers.conversationUpdate,
    [AgentEvent.OFFLINE_TICKET]: handlers.offlineTicket,
    [AgentEvent.TICKET_UPDATED]: handlers.ticketUpdated,
    [AgentEvent.SUGGESTIONS]: handlers.suggestions,
  };
  for (const [event, handler] of Object.entries(serverEvents)) {
    socket.on(event, (payload) => handler(payload && typeof payload === "object" ? payload : {}));
  }

  function stop() {
    stopped = true;
    clearTimeout(retryTimer);
    socket.disconnect();
  }

  return {
    start() {
      stopped = false;
      if (!socket.connected && !socket.active) socket.connect();
    },
    stop,
    get connected() {
      return socket.connected;
    },
    /** Emit `event` and resolve to its acknowledgement, `{ok: true, ...}` or `{ok: false, error, message?}`. */
    async request(event, payload) {
      if (!socket.connected) return { ok: false, error: ConsoleError.DISCONNECTED };
      let answer;
      try {
        answer = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
      } catch (error) {
        return { ok: false, error: ConsoleError.TIMEOUT };
      }
      if (!answer || typeof answer !== "object") return { ok: false, error: ConsoleError.BAD_ANSWER };
      if (answer.ok !== true && answer.error === AgentErrorCode.UNAUTHORIZED) {
        stop();
        handlers.unauthorized(answer.error);
      }
      return answer.ok === true ? answer : { ...answer, ok: false };
    },
    /** Emit `event` when connected and ignore the answer (typing indicators). */
    notify(event, payload) {
      // With a timeout, socket.io forgets the callback if no answer ever comes.
      if (socket.connected) socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, () => {});
    },
  };
}
