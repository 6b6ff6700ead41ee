// data-color: the accent colour, with a text colour on it that keeps WCAG AA
// contrast (4.5:1) whatever colour the shop picks.

const LIGHT_TEXT = "#ffffff";
const DARK_TEXT = "#111827";

function channel(value) {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance of "rgb(r, g, b)" / "rgba(...)", or null. */
export function luminance(rgb) {
  if (!/^rgba?\(/.test(rgb)) return null; // e.g. oklch() stays as written; keep the default text colour
  const parts = (rgb.match(/[\d.]+/g) || []).map(Number);
  if (parts.length < 3) return null;
  return 0.2126 * channel(parts[0]) + 0.7152 * channel(parts[1]) + 0.0722 * channel(parts[2]);
}

/** White or near-black, whichever contrasts more with a colour of luminance `l`. */
export function textColorFor(l) {
  const onWhite = 1.05 / (l + 0.05);
  const onDark = (l + 0.05) / (luminance("rgb(17, 24, 39)") + 0.05);
  return onWhite >= onDark ? LIGHT_TEXT : DARK_TEXT;
}

/** Set --dss-accent (and --dss-on-accent, unless the page set it) on the host element. */
export function applyAccent(host, color) {
  if (!color) return;
  host.style.setProperty("--dss-accent", color);
  if (getComputedStyle(host).getPropertyValue("--dss-on-accent").trim()) return;
  const probe = host.style.color;
  host.style.color = color;
  const l = luminance(getComputedStyle(host).color);
  host.style.color = probe;
  if (l !== null) host.style.setProperty("--dss-on-accent", textColorFor(l));
}
