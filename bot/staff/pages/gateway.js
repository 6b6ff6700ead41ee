// Where the gateway is, for the staff pages. A proxy may serve the gateway
// under a path ("https://shop.example/support/" passed on to the gateway's
// root), so no page may name a gateway path from the root ("/api/...").
// Every staff page is served at <base>/<page>/ and this module, shared, at
// <base>/<page>/gateway.js (bot/staff/web.py), so the base is the folder above
// this module's own URL, whatever the page's URL looks like. Every request,
// the socket and every path the server hands out are resolved against it here.

/** The gateway's root, ending in "/" ("https://shop.example/support/"). */
export const GATEWAY_BASE = new URL("../", import.meta.url).href;

/** The path socket.io answers on ("/support/socket.io"), for the client's `path` option. */
export const SOCKET_IO_PATH = new URL("socket.io", GATEWAY_BASE).pathname;

/**
 * The absolute URL of a gateway route: "/api/agent/me" (as the docs name it)
 * or "api/agent/me", query included → "https://shop.example/support/api/agent/me".
 */
export function gatewayUrl(path) {
  // Backslashes too: a URL parser reads "\\host" as "//host", another host.
  return new URL(String(path).replace(/^[/\\]+/, ""), GATEWAY_BASE).href;
}

/**
 * A URL the server handed out (an attachment's "/attachments/<id>?..."), made
 * absolute: a path from the gateway's root is put under the base; an absolute
 * http(s) URL stays as it is. Anything else ("//host/x", "javascript:...", a
 * relative path, not a string) is null.
 */
export function gatewayHref(value) {
  if (typeof value !== "string" || !value) return null;
  if (value.startsWith("/")) return /^\/[/\\]/.test(value) ? null : gatewayUrl(value);
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (error) {
    return null;
  }
}
