import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInline, parseMarkdown } from "../src/view/markdown.js";

const text = (value) => ({ type: "text", text: value });

test("bold, italics and code", () => {
  assert.deepEqual(parseInline("a **big** and *small* `x<y`"), [
    text("a "),
    { type: "strong", children: [text("big")] },
    text(" and "),
    { type: "em", children: [text("small")] },
    text(" "),
    { type: "code", text: "x<y" },
  ]);
  assert.deepEqual(parseInline("__very__ _much_"), [
    { type: "strong", children: [text("very")] },
    text(" "),
    { type: "em", children: [text("much")] },
  ]);
});

test("underscores inside words and lone stars stay as written", () => {
  assert.deepEqual(parseInline("order_id and file_name_v2"), [text("order_id and file_name_v2")]);
  assert.deepEqual(parseInline("5 * 3 = 15 and 2*"), [text("5 * 3 = 15 and 2*")]);
  assert.deepEqual(parseInline("** not bold **"), [text("** not bold **")]);
});

test("links are http(s) only; anything else stays text", () => {
  assert.deepEqual(parseInline("see [our policy](https://shop.example/returns)"), [
    text("see "),
    { type: "link", href: "https://shop.example/returns", children: [text("our policy")] },
  ]);
  assert.deepEqual(parseInline("[click](javascript:alert(1))"), [text("[click](javascript:alert(1))")]);
  assert.deepEqual(parseInline("[x](data:text/html,hi)"), [text("[x](data:text/html,hi)")]);
  assert.deepEqual(parseInline("track at https://t.example/a1."), [
    text("track at "),
    { type: "link", href: "https://t.example/a1", children: [text("https://t.example/a1")] },
    text("."),
  ]);
});

test("html is text", () => {
  assert.deepEqual(parseInline("<b>hi</b><script>alert(1)</script>"), [text("<b>hi</b><script>alert(1)</script>")]);
  const [paragraph] = parseMarkdown("<img src=x onerror=alert(1)>");
  assert.deepEqual(paragraph.lines, [[text("<img src=x onerror=alert(1)>")]]);
});

test("lists and paragraphs", () => {
  const blocks = parseMarkdown("You can pay by:\n- card\n- **PayPal**\n\n1. open the order\n2. press Cancel\nDone.");
  assert.deepEqual(
    blocks.map((block) => [block.type, block.ordered ?? null, (block.items || block.lines).length]),
    [
      ["paragraph", null, 1],
      ["list", false, 2],
      ["list", true, 2],
      ["paragraph", null, 1],
    ],
  );
  assert.deepEqual(blocks[1].items[1], [{ type: "strong", children: [text("PayPal")] }]);
});

test("Persian and Armenian text keeps its marks", () => {
  assert.deepEqual(parseInline("**ارسال رایگان** برای سفارش‌های بالای ۵۰ دلار؟"), [
    { type: "strong", children: [text("ارسال رایگان")] },
    text(" برای سفارش‌های بالای ۵۰ دلار؟"),
  ]);
  assert.deepEqual(parseInline("Վերադարձը՝ *30 օր*։"), [text("Վերադարձը՝ "), { type: "em", children: [text("30 օր")] }, text("։")]);
});
