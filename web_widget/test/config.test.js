import { test } from "node:test";
import assert from "node:assert/strict";
import { readConfig } from "../src/config.js";

const PAGE = "https://shop.example/products/mug";
const doc = { location: { href: PAGE }, documentElement: { lang: "en" } };
const nav = { languages: ["en"] };

test("the server's base comes from data-server, else the script's directory, else the page's origin", () => {
  const script = (src, dataset = {}) => ({ src, dataset });
  assert.equal(readConfig(script("https://shop.example/support/widget.js"), doc, nav).serverBase, "https://shop.example/support/");
  assert.equal(readConfig(script("http://127.0.0.1:8000/widget.js"), doc, nav).serverBase, "http://127.0.0.1:8000/");
  assert.equal(readConfig(script("https://cdn.example/widget.js", { server: "https://shop.example/support" }), doc, nav).serverBase, "https://shop.example/support/");
  assert.equal(readConfig(null, doc, nav).serverBase, "https://shop.example/");
});
