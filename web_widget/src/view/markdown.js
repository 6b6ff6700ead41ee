// A safe Markdown subset for the assistant's and agents' answers: **bold**,
// *italics* (or _italics_), `code`, [links](https://…), bare http(s)
// addresses, and lists ("- ", "* ", "• " or "1. " at the start of a line).
// Nothing else is markup: HTML, images and any other syntax stay text.
//
// parseMarkdown() is plain data (unit-tested without a DOM); renderMarkdown()
// builds DOM nodes with createElement and text nodes only, never innerHTML.
// Links are http(s) only and open in a new tab without a referrer.
// The widget bundles this file; the console loads the same file (the gateway
// serves it as /console/markdown.js beside /console/links.js).

import { safeHref, splitLinks } from "./links.js";

const BULLET = /^\s{0,3}[-*•]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,3})[.)]\s+(.*)$/;
// Inline spans, earliest first: `code`, **bold** or __bold__, *em* or _em_, [text](url).
// Underscores count only at word edges, so snake_case and file_names stay as written.
const INLINE = /`([^`\n]+)`|\*\*(?=\S)([^\n]*?\S)\*\*|(?<![\p{L}\p{N}])__(?=\S)([^\n]*?\S)__(?![\p{L}\p{N}])|\*(?=[^\s*])([^*\n]*?[^\s*])\*|(?<![\p{L}\p{N}])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}])|\[([^\]\n]+)\]\(([^()\s]+)\)/gu;

/** Inline tokens of one line: {type: "text"|"strong"|"em"|"code"|"link", text?, href?, children?}. */
export function parseInline(text) {
  const tokens = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) tokens.push(...textTokens(text.slice(last, match.index)));
    const [whole, code, bold, boldUnderscore, em, emUnderscore, label, target] = match;
    if (code !== undefined) tokens.push({ type: "code", text: code });
    else if (bold !== undefined || boldUnderscore !== undefined) tokens.push({ type: "strong", children: parseInline(bold ?? boldUnderscore) });
    else if (em !== undefined || emUnderscore !== undefined) tokens.push({ type: "em", children: parseInline(em ?? emUnderscore) });
    else {
      const href = safeHref(target);
      // A link to anything but http(s) (javascript:, data:…) is shown as the text it is.
      tokens.push(href ? { type: "link", href, children: parseInline(label) } : { type: "text", text: whole });
    }
    last = match.index + whole.length;
  }
  if (last < text.length) tokens.push(...textTokens(text.slice(last)));
  return tokens;
}

/** Plain text, with its bare http(s) addresses as links. */
function textTokens(text) {
  return splitLinks(text).map((piece) => (piece.href ? { type: "link", href: piece.href, children: [{ type: "text", text: piece.text }] } : { type: "text", text: piece.text }));
}

/**
 * Blocks of a message: {type: "paragraph", lines: [[token]]} and
 * {type: "list", ordered, start, items: [[token]]}.
 */
export function parseMarkdown(text) {
  const blocks = [];
  let paragraph = null;
  let list = null;
  for (const line of String(text ?? "").split(/\r?\n/)) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const ordered = Boolean(numbered);
      if (!list || list.ordered !== ordered) {
        list = { type: "list", ordered, start: ordered ? Number(numbered[1]) : 1, items: [] };
        blocks.push(list);
      }
      list.items.push(parseInline(bullet ? bullet[1] : numbered[2]));
      paragraph = null;
    } else if (!line.trim()) {
      paragraph = null;
      list = null;
    } else {
      if (!paragraph) {
        paragraph = { type: "paragraph", lines: [] };
        blocks.push(paragraph);
      }
      paragraph.lines.push(parseInline(line));
      list = null;
    }
  }
  return blocks;
}

function inlineNodes(tokens) {
  const fragment = document.createDocumentFragment();
  for (const token of tokens) {
    if (token.type === "text") {
      fragment.appendChild(document.createTextNode(token.text));
    } else if (token.type === "code") {
      const code = document.createElement("code");
      code.textContent = token.text;
      fragment.appendChild(code);
    } else {
      const element = document.createElement(token.type === "link" ? "a" : token.type);
      if (token.type === "link") {
        element.href = token.href;
        element.target = "_blank";
        element.rel = "noopener noreferrer nofollow";
      }
      element.appendChild(inlineNodes(token.children));
      fragment.appendChild(element);
    }
  }
  return fragment;
}

/** A fragment for `text`: paragraphs (<p>, lines kept) and lists (<ul>/<ol>) of safe inline markup. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  for (const block of parseMarkdown(text)) {
    if (block.type === "paragraph") {
      const paragraph = document.createElement("p");
      block.lines.forEach((line, index) => {
        if (index) paragraph.appendChild(document.createElement("br"));
        paragraph.appendChild(inlineNodes(line));
      });
      fragment.appendChild(paragraph);
    } else {
      const list = document.createElement(block.ordered ? "ol" : "ul");
      if (block.ordered && block.start !== 1) list.start = block.start;
      for (const item of block.items) {
        const entry = document.createElement("li");
        entry.appendChild(inlineNodes(item));
        list.appendChild(entry);
      }
      fragment.appendChild(list);
    }
  }
  return fragment;
}
