// The widget's own names, limits and expiries. Event names, states, error codes
// and languages are the server's: see ./generated/constants.js.

/** Prefix of every storage key and id the widget owns. */
export const NAMESPACE = "demo-shop-support";
/** Version of the stored data's shape; bump it to ignore older entries. */
export const STORAGE_VERSION = 1;
/** A stored session id is forgotten after this long without use (the server keeps it 7 days). */
export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Queued messages older than this are dropped instead of sent. */
export const OUTBOX_TTL_MS = SESSION_TTL_MS;
/** Longest message the gateway accepts (its MAX_MESSAGE_CHARS). */
export const MAX_MESSAGE_CHARS = 2000;
/** Show the remaining-characters counter from this length on. */
export const COUNTER_FROM_CHARS = 1800;
/** Quick-reply titles remembered to show instead of their payloads in replayed transcripts. */
export const MAX_REMEMBERED_TITLES = 50;
/** Stop showing "is typing" if the matching `on: false` never comes. */
export const TYPING_TIMEOUT_MS = 30_000;
/** Tell the server the customer stopped typing after this pause. */
export const TYPING_IDLE_MS = 3_000;
/** After a resumed session_request, wait this long for `history` before sending queued messages. */
export const HISTORY_WAIT_MS = 1_500;
/** Socket.io endpoint (docs/protocol.md), relative to the gateway's base URL (./server.js). */
export const SOCKET_PATH = "socket.io";
export const HOST_ELEMENT_ID = "demo-shop-support-widget";
export const GLOBAL_NAME = "DemoShopSupport";
/** Replaced at build time from package.json. */
// eslint-disable-next-line no-undef
export const VERSION = typeof __WIDGET_VERSION__ === "string" ? __WIDGET_VERSION__ : "dev";
