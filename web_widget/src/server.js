// The gateway's base URL, and every URL on the gateway built from it.
//
// The base is an origin and a directory with a trailing slash:
// "https://chat.example/", or "https://shop.example/support/" when a proxy
// serves the gateway under a path prefix. Everything the widget asks of the
// gateway is relative to it (socket.io, uploads), and the paths the gateway
// sends ("/attachments/…", root-relative to the gateway itself) are mapped
// under it, so the widget works the same at a root and under a prefix.

import { SOCKET_PATH } from "./constants.js";
import { safeHref } from "./view/links.js";

function httpUrl(value, pageUrl) {
  const url = new URL(value, pageUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`not an http(s) URL: ${value}`);
  return url;
}

/**
 * The gateway's base URL (origin + directory, with a trailing slash):
 * `dataServer` itself if given (an origin or a URL with a path), else the
 * directory `scriptSrc` (widget.js) was loaded from, else the page's origin.
 */
export function serverBase(dataServer, scriptSrc, pageUrl) {
  try {
    if (dataServer) {
      const url = httpUrl(dataServer, pageUrl);
      return url.origin + url.pathname.replace(/\/?$/, "/");
    }
    if (scriptSrc) {
      const url = httpUrl(scriptSrc, pageUrl);
      return url.origin + url.pathname.replace(/[^/]*$/, "");
    }
  } catch (error) {
    // An unusable data-server or src: the page's own origin, as with no src at all.
  }
  return `${new URL(pageUrl).origin}/`;
}

/** `relativePath` (no leading slash, e.g. "api/attachments") on the gateway at `base`. */
export function serverUrl(relativePath, base) {
  return new URL(relativePath, base).href;
}

/** The socket.io path of the gateway at `base`: "/socket.io", or "/support/socket.io" under a prefix. */
export function socketPath(base) {
  return new URL(SOCKET_PATH, base).pathname;
}

/**
 * A URL the gateway sent (absolute, or a path like "/attachments/…" that is
 * root-relative to the gateway) as an absolute URL under `base`; null unless
 * it is http(s) on `base`'s own origin.
 */
export function resolveOnServer(value, base) {
  if (typeof value !== "string" || !value) return null;
  try {
    const origin = new URL(base).origin;
    // "/x" is the gateway's own root, which is `base`; "//host/x" (or "/\host") is another host, refused below.
    const gatewayPath = /^\/(?![/\\])/.test(value) ? value.slice(1) : value;
    const href = safeHref(new URL(gatewayPath, base).href); // http(s) only
    return href && new URL(href).origin === origin ? href : null;
  } catch (error) {
    return null;
  }
}
