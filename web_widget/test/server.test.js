import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOnServer, serverBase, serverUrl, socketPath } from "../src/server.js";
import { storageKey } from "../src/storage.js";

const PAGE = "https://shop.example/products/mug?colour=blue";
const ROOT = "https://support.example.com/";
const PREFIXED = "https://shop.example/support/";
const PATH = "/attachments/a1?c=conv&s=sig";

test("the base is the directory widget.js was loaded from", () => {
  assert.equal(serverBase(undefined, "http://127.0.0.1:8000/widget.js", PAGE), "http://127.0.0.1:8000/");
  assert.equal(serverBase(undefined, "https://shop.example/support/widget.js", PAGE), PREFIXED);
  assert.equal(serverBase(undefined, "https://shop.example/support/widget.js?v=2#x", PAGE), PREFIXED);
  assert.equal(serverBase(undefined, "https://cdn.example/a/b/widget.js", PAGE), "https://cdn.example/a/b/");
  assert.equal(serverBase(undefined, "/support/widget.js", PAGE), PREFIXED, "a relative src is resolved against the page");
});

test("data-server is the base itself, an origin or a URL with a path, with or without its trailing slash", () => {
  const src = "https://cdn.example/widget.js";
  assert.equal(serverBase("https://chat.example", src, PAGE), "https://chat.example/");
  assert.equal(serverBase("https://chat.example/", src, PAGE), "https://chat.example/");
  assert.equal(serverBase("https://shop.example/support/", src, PAGE), PREFIXED);
  assert.equal(serverBase("https://shop.example/support", src, PAGE), PREFIXED);
  assert.equal(serverBase("https://shop.example/support?x=1#y", src, PAGE), PREFIXED);
  assert.equal(serverBase("/support", src, PAGE), PREFIXED);
  assert.equal(serverBase("https://gw.example:8443/x", src, PAGE), "https://gw.example:8443/x/");
});

test("with no src, or nothing usable, the base is the page's origin", () => {
  assert.equal(serverBase(undefined, "", PAGE), "https://shop.example/");
  assert.equal(serverBase(undefined, undefined, PAGE), "https://shop.example/");
  assert.equal(serverBase("javascript:alert(1)", "", PAGE), "https://shop.example/");
  assert.equal(serverBase("http://[bad", "", PAGE), "https://shop.example/");
});

test("socket.io and the upload are under the base", () => {
  assert.equal(socketPath(ROOT), "/socket.io");
  assert.equal(socketPath("http://127.0.0.1:8000/"), "/socket.io");
  assert.equal(socketPath(PREFIXED), "/support/socket.io");
  assert.equal(serverUrl("api/attachments", ROOT), "https://support.example.com/api/attachments");
  assert.equal(serverUrl("api/attachments", PREFIXED), "https://shop.example/support/api/attachments");
});

test("a gateway path is mapped under the base; only http(s) on the base's own origin is kept", () => {
  assert.equal(resolveOnServer(PATH, ROOT), `https://support.example.com${PATH}`);
  assert.equal(resolveOnServer(PATH, PREFIXED), `https://shop.example/support${PATH}`);
  assert.equal(resolveOnServer(`https://support.example.com${PATH}`, ROOT), `https://support.example.com${PATH}`);
  assert.equal(resolveOnServer(`https://shop.example/support${PATH}`, PREFIXED), `https://shop.example/support${PATH}`);
  assert.equal(resolveOnServer("https://evil.example/attachments/a1", ROOT), null);
  assert.equal(resolveOnServer("https://evil.example/attachments/a1", PREFIXED), null);
  assert.equal(resolveOnServer("http://support.example.com/attachments/a1", ROOT), null); // another scheme is another origin
  assert.equal(resolveOnServer("javascript:alert(1)", ROOT), null);
  assert.equal(resolveOnServer("data:image/png;base64,AAAA", ROOT), null);
  assert.equal(resolveOnServer("", ROOT), null);
  assert.equal(resolveOnServer(42, ROOT), null);
  assert.equal(resolveOnServer(PATH, "not a url"), null);
});

test("a protocol-relative address does not escape to another host", () => {
  for (const base of [ROOT, PREFIXED]) {
    assert.equal(resolveOnServer("//evil.example/x", base), null, base);
    assert.equal(resolveOnServer("/\\evil.example/x", base), null, base);
    assert.equal(resolveOnServer("\\\\evil.example/x", base), null, base);
    assert.equal(resolveOnServer(" //evil.example/x", base), null, base);
  }
});

test("storage keys name the gateway by its base, as before for one at the root", () => {
  assert.equal(storageKey(ROOT, "session"), "demo-shop-support:v1:https://support.example.com:session");
  assert.equal(storageKey(PREFIXED, "session"), "demo-shop-support:v1:https://shop.example/support:session");
});
