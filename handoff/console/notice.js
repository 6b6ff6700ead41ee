// The notice bar: one short message for the agent (a claim lost to another
// agent, a reply that did not go out), dismissed by hand or after a while.

const NOTICE_MS = 10_000;

/** `elements`: {bar, text, dismiss}. */
export function createNotice(elements) {
  let timer = null;

  function hide() {
    clearTimeout(timer);
    elements.bar.hidden = true;
    elements.text.textContent = "";
  }

  elements.dismiss.addEventListener("click", hide);

  return {
    show(text) {
      elements.text.textContent = text;
      elements.bar.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(hide, NOTICE_MS);
    },
    hide,
  };
}
