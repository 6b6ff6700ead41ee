// The demo shop page's only script (the gateway's CSP allows no inline code):
// it reads ?lang=, adds the widget's script tag with data-language, just as a
// shop would write it by hand, styles the page, and builds the language links
// from the languages the widget says it speaks (DemoShopSupport.languages, the
// server's registry), so no language is listed here.
(function () {
  "use strict";

  var requested = new URLSearchParams(window.location.search).get("lang");
  // The widget checks the code itself and falls back to <html lang>, then English.
  var language = requested && /^[a-z]{2,3}$/.test(requested) ? requested : null;

  var widget = document.createElement("script");
  widget.src = "widget.js"; // relative: beside this page, at the gateway's root or under a prefix
  widget.async = true;
  if (language) widget.setAttribute("data-language", language);
  widget.addEventListener("load", function () {
    whenReady(function () {
      showLanguages((window.DemoShopSupport && window.DemoShopSupport.languages) || []);
    });
  });
  document.head.appendChild(widget);

  // Styles through the CSSOM: a CSP without 'unsafe-inline' blocks <style> but not this.
  var CSS = [
    ":root { --ink: #1f2937; --muted: #4b5563; --brand: #1d4ed8; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif; color: var(--ink); }",
    "body { margin: 0; background: #f8fafc; line-height: 1.5; }",
    ".wrap { max-width: 1040px; margin: 0 auto; padding: 0 20px; }",
    ".skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 8px; z-index: 10; }",
    ".site-header { background: #fff; border-bottom: 1px solid #e5e7eb; }",
    ".header-row { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px; padding-top: 14px; padding-bottom: 14px; }",
    ".brand { font-weight: 800; font-size: 22px; color: var(--brand); text-decoration: none; }",
    ".languages { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; margin: 0; padding: 0; min-height: 32px; }",
    ".languages a { display: inline-block; padding: 4px 10px; border-radius: 999px; color: var(--ink); text-decoration: none; border: 1px solid #d1d5db; }",
    ".languages a[aria-current='page'] { background: var(--brand); border-color: var(--brand); color: #fff; }",
    ".hero { padding: 40px 0 24px; } .hero h1 { font-size: clamp(26px, 5vw, 40px); margin: 0 0 8px; } .hero p { color: var(--muted); max-width: 60ch; }",
    ".cta { font: inherit; padding: 10px 18px; border-radius: 8px; border: 0; background: var(--brand); color: #fff; cursor: pointer; }",
    ".products { list-style: none; margin: 0 0 48px; padding: 0; display: grid; gap: 16px; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); }",
    ".product { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 14px; }",
    ".product h3 { font-size: 16px; margin: 10px 0 2px; } .price { margin: 0 0 10px; color: var(--muted); }",
    ".swatch { height: 120px; border-radius: 8px; }",
    ".swatch--mug { background: linear-gradient(135deg, #fde68a, #f59e0b); } .swatch--bag { background: linear-gradient(135deg, #d9f99d, #65a30d); }",
    ".swatch--lamp { background: linear-gradient(135deg, #bfdbfe, #2563eb); } .swatch--socks { background: linear-gradient(135deg, #fbcfe8, #db2777); }",
    ".add { font: inherit; padding: 6px 12px; border-radius: 8px; border: 1px solid var(--brand); background: #fff; color: var(--brand); cursor: pointer; }",
    ".site-footer { background: #111827; color: #e5e7eb; padding: 24px 0 96px; font-size: 14px; }",
    ":focus-visible { outline: 3px solid var(--brand); outline-offset: 2px; }"
  ].join("\n");
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  } catch (error) {
    // Older browsers: the page stays unstyled, which is fine for a demo.
  }

  function whenReady(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  /** One link a language, in its own name and script; the page's language marked current. */
  function showLanguages(languages) {
    var list = document.getElementById("languages");
    if (!list) return;
    var codes = languages.map(function (entry) { return entry.code; });
    var current = codes.indexOf(language) >= 0 ? language : document.documentElement.lang;
    if (current !== document.documentElement.lang) document.documentElement.lang = current;
    while (list.firstChild) list.removeChild(list.firstChild);
    languages.forEach(function (entry) {
      var link = document.createElement("a");
      link.href = "?lang=" + encodeURIComponent(entry.code);
      link.hreflang = entry.code;
      link.lang = entry.code;
      link.dir = entry.dir;
      link.setAttribute("data-lang", entry.code);
      link.textContent = entry.nativeName;
      if (entry.nativeName !== entry.name) link.title = entry.name;
      if (entry.code === current) link.setAttribute("aria-current", "page");
      var item = document.createElement("li");
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  whenReady(function () {
    var openChat = document.getElementById("open-chat");
    if (openChat) {
      openChat.addEventListener("click", function () {
        if (window.DemoShopSupport) window.DemoShopSupport.open();
      });
    }
  });
})();
