// Message text with its web addresses turned into safe links, built with DOM
// APIs only: http and https addresses become <a target=_blank rel="noopener
// noreferrer nofollow">, everything else stays text.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that usually ends the sentence, not the address (Latin, Persian, Armenian).
const TRAILING = ".,;:!?'\"»”’)]}،؛؟։՝՞…";

/** `value` as an absolute http(s) URL string, or null. */
export function safeHref(value) {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (error) {
    return null;
  }
}

function count(text, char) {
  return text.split(char).length - 1;
}

/** Trim sentence punctuation off a matched address, keeping balanced closing parentheses. */
function trimAddress(address) {
  while (address && TRAILING.includes(address[address.length - 1])) {
    // "https://en.wikipedia.org/wiki/Foo_(bar)" keeps its parenthesis.
    if (address.endsWith(")") && count(address, "(") >= count(address, ")")) break;
    address = address.slice(0, -1);
  }
  return address;
}

/** `text` cut into `{text}` and `{text, href}` pieces; only http(s) addresses become links. */
export function splitLinks(text) {
  const pieces = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const address = trimAddress(match[0]);
    const href = safeHref(address);
    if (!href) continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ text: address, href });
    last = match.index + address.length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

/** A fragment of text nodes and links for `text`. */
export function linkifiedText(text) {
  const fragment = document.createDocumentFragment();
  for (const piece of splitLinks(text)) {
    if (!piece.href) {
      fragment.appendChild(document.createTextNode(piece.text));
      continue;
    }
    const link = document.createElement("a");
    link.href = piece.href;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    link.textContent = piece.text;
    fragment.appendChild(link);
  }
  return fragment;
}
