// The widget's stylesheet. It lives in the shadow root, so the shop's CSS
// cannot reach in and ours cannot leak out; the shop themes it through the
// --dss-* custom properties (listed in README.md), which do cross the boundary.

const CSS = `
:host {
  all: initial;
  --accent: var(--dss-accent, #1d4ed8);
  --on-accent: var(--dss-on-accent, #ffffff);
  --surface: var(--dss-surface, #ffffff);
  --text: var(--dss-text, #1f2937);
  --muted: var(--dss-muted, #4b5563);
  --border: var(--dss-border, #d1d5db);
  --bot-bubble: var(--dss-bot-bubble, #f1f5f9);
  --agent-bubble: var(--dss-agent-bubble, #ecfdf5);
  --agent-accent: var(--dss-agent-accent, #047857);
  --focus: var(--dss-focus, var(--text));
  --radius: var(--dss-radius, 16px);
  --offset: var(--dss-offset, 20px);
  --font: var(--dss-font, system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Armenian", Vazirmatn, Tahoma, Arial, sans-serif);
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.root { font: 15px/1.45 var(--font); color: var(--text); }
.icon { width: 20px; height: 20px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; flex: none; }
button { font: inherit; color: inherit; cursor: pointer; }
button:disabled, button[aria-disabled="true"] { cursor: default; opacity: .6; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }

.launcher {
  position: fixed; bottom: var(--offset); right: var(--offset); z-index: var(--dss-z-index, 2147483000);
  width: 60px; height: 60px; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center;
  background: var(--accent); color: var(--on-accent);
  box-shadow: 0 6px 20px rgba(0, 0, 0, .25);
}
.launcher .icon { width: 28px; height: 28px; }
.launcher:focus-visible { outline-offset: 3px; }
.badge {
  position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: #b91c1c; color: #fff; font-size: 12px; font-weight: 700;
  line-height: 22px; text-align: center; border: 2px solid #fff;
}
.pos-left .launcher { right: auto; left: var(--offset); }

.panel {
  position: fixed; z-index: var(--dss-z-index, 2147483000);
  bottom: calc(var(--offset) + 72px); right: var(--offset);
  width: min(var(--dss-panel-width, 380px), calc(100vw - 2 * var(--offset)));
  height: min(var(--dss-panel-height, 600px), calc(100vh - var(--offset) - 96px));
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--surface); color: var(--text);
  border-radius: var(--radius); border: 1px solid var(--border);
  box-shadow: 0 12px 40px rgba(0, 0, 0, .25);
}
.pos-left .panel { right: auto; left: var(--offset); }

/* Words are never broken (an Armenian title used to break mid-word): the title wraps
   between words and is never narrower than its longest word; when the title and the
   "talk to a person" button do not fit side by side, the button goes to a second row.
   The close button keeps the top corner. */
.header {
  position: relative; display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px;
  padding-block: 10px; padding-inline: 12px 52px; min-height: 56px; box-sizing: border-box;
  background: var(--accent); color: var(--on-accent);
}
.header__title { flex: 1 1 8em; min-width: min-content; margin: 0; font-size: 16px; font-weight: 700; line-height: 1.25; }
.header button { background: transparent; border: 1px solid transparent; color: var(--on-accent); border-radius: 8px; }
.header button:focus-visible { outline-color: var(--on-accent); outline-offset: 0; }
.human {
  display: inline-flex; align-items: center; gap: 6px; padding: 6px 10px; font-size: 13px;
  flex: 0 0 auto; white-space: nowrap;
  border-color: currentColor !important;
}
.human .icon { width: 16px; height: 16px; }
.close { position: absolute; top: 10px; inset-inline-end: 8px; width: 36px; height: 36px; display: grid; place-items: center; padding: 0; }

.banner { margin: 0; padding: 8px 12px; font-size: 14px; border-bottom: 1px solid var(--border); }
.banner--connection { background: #fef3c7; color: #78350f; }
.banner--handoff { background: #ecfdf5; color: #064e3b; }
.notice {
  display: flex; align-items: flex-start; gap: 8px; padding: 8px 12px;
  background: #fef2f2; color: #7f1d1d; border-bottom: 1px solid #fecaca; font-size: 14px;
}
.notice__text { flex: 1; margin: 0; }
.notice button { background: transparent; border: 0; color: inherit; padding: 0 4px; }

.scroll { flex: 1; overflow-y: auto; padding: 12px; overscroll-behavior: contain; }
.intro { margin: 0 0 12px; padding: 10px 12px; border-radius: 12px; background: var(--bot-bubble); color: var(--text); font-size: 14px; }
.intro p { margin: 0; }
.intro p + p, .intro p + ul, .intro ul + p { margin-top: 6px; }
.intro ul, .intro ol { margin: 4px 0 0; padding-inline-start: 20px; }
.messages { display: flex; flex-direction: column; gap: 10px; }

.msg { display: flex; flex-direction: column; max-width: 85%; align-self: flex-start; }
.msg__who { display: flex; align-items: center; gap: 6px; margin-bottom: 3px; font-size: 13px; font-weight: 600; color: var(--muted); }
.avatar { width: 22px; height: 22px; border-radius: 50%; display: grid; place-items: center; background: var(--bot-bubble); color: var(--text); }
.avatar .icon { width: 14px; height: 14px; }
.msg__tag { font-size: 11px; font-weight: 700; padding: 1px 6px; border-radius: 6px; background: #d1fae5; color: #065f46; }
.msg__bubble {
  padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
  background: var(--bot-bubble); color: var(--text); border-start-start-radius: 4px;
}
.msg__bubble p { margin: 0; }
.msg__bubble p + p, .msg__bubble p + ul, .msg__bubble p + ol, .msg__bubble ul + p, .msg__bubble ol + p { margin-top: 6px; }
.msg__bubble ul, .msg__bubble ol { margin: 4px 0 0; padding-inline-start: 20px; white-space: normal; }
.msg__bubble code { font-family: ui-monospace, monospace; font-size: .92em; background: rgba(127, 127, 127, .15); border-radius: 4px; padding: 0 3px; }
.msg__bubble a { color: inherit; text-decoration: underline; }
.msg__image { display: block; max-width: 100%; margin-top: 6px; border-radius: 8px; }
.msg__bubble--attachment { padding: 4px; white-space: normal; }
.attachment { display: block; color: inherit; border-radius: 10px; }
/* A fixed height: the list does not jump when the picture arrives. */
.attachment__thumb { display: block; height: 160px; width: auto; max-width: 100%; min-width: 48px; border-radius: 10px; background: var(--surface); object-fit: contain; }
.msg__bubble .attachment--file { display: flex; align-items: center; gap: 8px; padding: 6px 10px; text-decoration: none; }
.attachment--file .icon { width: 26px; height: 26px; }
.attachment__name { font-weight: 600; text-decoration: underline; overflow-wrap: anywhere; }
.attachment__size { font-size: 12px; opacity: .85; white-space: nowrap; }
.msg__foot { display: flex; align-items: center; gap: 8px; margin-top: 3px; font-size: 12px; color: var(--muted); }
.msg__status--failed { color: #b91c1c; font-weight: 600; }
.link-button { background: none; border: 0; padding: 0; color: var(--text); text-decoration: underline; font-size: 12px; }

.msg--customer { align-self: flex-end; align-items: flex-end; }
.msg--customer .msg__bubble { background: var(--accent); color: var(--on-accent); border-start-start-radius: 14px; border-start-end-radius: 4px; }
.msg--customer[data-status="failed"] .msg__bubble { box-shadow: 0 0 0 2px #b91c1c; }
.msg--agent .avatar { background: var(--agent-accent); color: #fff; }
.msg--agent .msg__bubble { background: var(--agent-bubble); border-inline-start: 4px solid var(--agent-accent); }
.msg--system { align-self: center; max-width: 100%; text-align: center; }
.msg--system .msg__bubble { background: transparent; color: var(--muted); font-style: italic; font-size: 13px; padding: 2px 8px; }
.msg--system .msg__foot { justify-content: center; }

.chips { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
.chip {
  padding: 6px 12px; border-radius: 999px; font-size: 14px;
  background: var(--surface); color: var(--text); border: 1.5px solid var(--accent);
}
.chip:hover { background: var(--accent); color: var(--on-accent); }

.typing { display: flex; align-items: center; gap: 8px; margin-top: 10px; font-size: 13px; color: var(--muted); }
.dots { display: inline-flex; gap: 3px; }
.dots span { width: 6px; height: 6px; border-radius: 50%; background: currentColor; animation: dss-blink 1.2s infinite both; }
.dots span:nth-child(2) { animation-delay: .2s; }
.dots span:nth-child(3) { animation-delay: .4s; }
@keyframes dss-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }

.rating { padding: 12px; border-top: 1px solid var(--border); }
.rating__fieldset { border: 0; margin: 0; padding: 0; }
.rating__prompt { font-weight: 700; margin-bottom: 6px; padding: 0; }
.rating__stars { display: flex; gap: 4px; }
.star { background: none; border: 0; padding: 4px; color: #6b7280; border-radius: 6px; }
.star__icon { width: 30px; height: 30px; }
.star--on { color: #b45309; }
.star--on .star__icon { fill: #f59e0b; }
.rating__label { display: block; margin: 8px 0 4px; font-size: 13px; color: var(--muted); }
.rating__comment, .input, .field {
  width: 100%; font: inherit; color: var(--text); background: var(--surface);
  border: 1px solid #6b7280; border-radius: 10px; padding: 8px 10px; resize: none;
}
.rating__actions { display: flex; justify-content: flex-end; gap: 8px; margin-top: 8px; }
.rating__thanks { margin: 0; padding: 12px; border-top: 1px solid var(--border); font-weight: 600; text-align: center; }
.email-copy-slot { flex: none; border-top: 1px solid var(--border); }
.email-copy { padding: 10px 12px; }
.email-copy__label { display: block; margin-bottom: 4px; font-size: 13px; font-weight: 600; }
.email-copy__row { display: flex; gap: 8px; }
.email-copy__field { flex: 1; min-width: 0; }
.email-copy__status { margin: 6px 0 0; font-size: 13px; }
.email-copy__status--error { color: #b91c1c; font-weight: 600; }
.email-copy__sent { margin: 0; padding: 10px 12px; font-weight: 600; text-align: center; }
.offline-slot { flex: none; max-height: 60%; overflow-y: auto; border-top: 1px solid var(--border); }
.offline { padding: 12px; }
.offline__prompt { margin: 0 0 4px; font-weight: 700; }
.offline__label { display: block; margin: 8px 0 4px; font-size: 13px; color: var(--muted); }
.field { display: block; line-height: 1.4; }
.field[aria-invalid="true"] { border-color: #b91c1c; box-shadow: 0 0 0 1px #b91c1c; }
.offline__error { margin: 8px 0 0; color: #b91c1c; font-size: 13px; font-weight: 600; }
.offline__actions { display: flex; justify-content: flex-end; margin-top: 8px; }
.offline__thanks { margin: 0; padding: 12px; font-weight: 600; text-align: center; }
.button { padding: 7px 14px; border-radius: 8px; border: 1px solid var(--border); background: var(--surface); font-size: 14px; }
.button--primary { background: var(--accent); color: var(--on-accent); border-color: var(--accent); }

.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--border); }
.composer__field { flex: 1; min-width: 0; }
.file-input { display: none; }
.attach {
  width: 42px; height: 42px; flex: none; border-radius: 50%; padding: 0;
  display: grid; place-items: center; background: var(--surface); color: var(--text); border: 1px solid var(--border);
}
.input { display: block; max-height: 140px; line-height: 1.4; }
.input::placeholder { color: #6b7280; }
.counter { margin: 4px 0 0; font-size: 12px; color: var(--muted); }
.send {
  width: 42px; height: 42px; flex: none; border-radius: 50%; border: 0; padding: 0;
  display: grid; place-items: center; background: var(--accent); color: var(--on-accent);
}
[dir="rtl"] .send .icon { transform: scaleX(-1); }

@media (max-width: 479.98px) {
  .panel {
    inset: 0; width: 100%; height: 100%; max-height: 100dvh;
    border-radius: 0; border: 0;
  }
  .pos-left .panel { left: 0; }
  .is-open .launcher { display: none; }
  .human__label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
}
@media (max-width: 359.98px) { .root { font-size: 14px; } }
@media (prefers-reduced-motion: reduce) { .dots span { animation: none; opacity: .7; } }
@media (forced-colors: active) { .launcher, .send, .badge { border: 2px solid ButtonText; } }
`;

/** Give `shadowRoot` the stylesheet: constructed (not blocked by a page's CSP) or a <style> fallback. */
export function applyStyles(shadowRoot) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadowRoot.adoptedStyleSheets = [sheet];
  } catch (error) {
    // Browsers without constructable stylesheets (Safari before 16.4).
    const style = document.createElement("style");
    style.textContent = CSS;
    shadowRoot.appendChild(style);
  }
}
