// Entry point of widget.js: one script tag, one shadow root, one global.
//   <script src="https://HOST/widget.js" data-language="fa" async></script>

import { readConfig, findOwnScript } from "./config.js";
import { GLOBAL_NAME, HOST_ELEMENT_ID, VERSION } from "./constants.js";
import { LANGUAGES } from "./generated/constants.js";
import { createTranslator } from "./i18n.js";
import { createStorage } from "./storage.js";
import { applyAccent } from "./theme.js";
import { applyStyles } from "./view/styles.js";
import { createWidget } from "./widget.js";

// Only valid while this script first runs, so it is read before anything waits.
const ownScript = document.currentScript || findOwnScript();

function mount() {
  const config = readConfig(ownScript);
  let host = document.getElementById(HOST_ELEMENT_ID);
  if (!host) {
    host = document.createElement("div");
    host.id = HOST_ELEMENT_ID;
    document.body.appendChild(host);
  }
  const shadowRoot = host.shadowRoot || host.attachShadow({ mode: "open" });
  applyStyles(shadowRoot);
  applyAccent(host, config.color);
  return createWidget({ shadowRoot, config, i18n: createTranslator(config.language), storage: createStorage(config.serverBase) });
}

function install() {
  if (window[GLOBAL_NAME]) return; // the tag is on the page twice
  let widget = null;
  let openWhenMounted = false;
  // Calls made before the widget is mounted, replayed in order once it is.
  const early = [];
  const call = (name, args) => (widget ? widget[name](...args) : early.push([name, args]));
  window[GLOBAL_NAME] = Object.freeze({
    version: VERSION,
    /** The languages the widget speaks: [{code, name, nativeName, dir}] (the server's registry). */
    languages: LANGUAGES,
    /** Open the chat panel. */
    open() {
      if (widget) widget.open();
      else openWhenMounted = true;
    },
    /** Close the chat panel. */
    close() {
      if (widget) widget.close();
      else openWhenMounted = false;
    },
    /**
     * The signed-in customer: `user` = {id, name?, email?}, `signature` = hex
     * HMAC-SHA256 of the id made by the shop's server (README, "Customer identity").
     */
    identify(user, signature) {
      call("identify", [user, signature]);
    },
    /** The customer signed out: forget them and their chat on this device. */
    reset() {
      call("reset", []);
    },
    /** Plain values (plan, order number…) the agent sees and the assistant gets with each message. */
    setCustomData(data) {
      call("setCustomData", [data]);
    },
  });
  const start = () => {
    widget = mount();
    for (const [name, args] of early.splice(0)) widget[name](...args);
    if (openWhenMounted) widget.open();
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
}

install();
