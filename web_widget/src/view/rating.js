// The satisfaction form shown when a person resolved the conversation:
// five star buttons, an optional comment, then a thank-you.

import { h, icon, replaceChildren } from "./dom.js";
import { MAX_MESSAGE_CHARS } from "../constants.js";

const MAX_SCORE = 5;

const THANKS_SHOWN_MS = 8_000;

/**
 * Fill `container` with the form; `submit(score, comment)` when sent, `dismiss()`
 * on "not now", `done()` once the thank-you has been shown.
 */
export function renderRatingForm(container, i18n, { submit, dismiss, done }) {
  let score = 0;
  const stars = [];
  const submitButton = h("button", { type: "submit", class: "button button--primary", "data-testid": "rating-submit", disabled: true }, [
    i18n.t("rating_submit"),
  ]);

  function choose(value) {
    score = value;
    stars.forEach((star, index) => {
      star.setAttribute("aria-pressed", String(index < value));
      star.classList.toggle("star--on", index < value);
    });
    submitButton.disabled = false;
  }

  for (let value = 1; value <= MAX_SCORE; value++) {
    stars.push(
      h(
        "button",
        {
          type: "button",
          class: "star",
          "data-testid": `rating-${value}`,
          "aria-pressed": "false",
          "aria-label": i18n.plural("rating_star", value, { max: MAX_SCORE }),
          onclick: () => choose(value),
        },
        [icon("star", "icon star__icon")],
      ),
    );
  }

  const commentId = "dss-rating-comment";
  const comment = h("textarea", {
    id: commentId,
    class: "rating__comment",
    "data-testid": "rating-comment",
    rows: 2,
    maxlength: MAX_MESSAGE_CHARS,
    dir: "auto",
  });

  const form = h(
    "form",
    {
      class: "rating",
      onsubmit: (event) => {
        event.preventDefault();
        if (!score) return;
        submit(score, comment.value);
        replaceChildren(container, [h("p", { class: "rating__thanks", "data-testid": "rating-thanks", role: "status" }, [i18n.t("rating_thanks")])]);
        setTimeout(done, THANKS_SHOWN_MS);
      },
    },
    [
      h("fieldset", { class: "rating__fieldset" }, [
        h("legend", { class: "rating__prompt" }, [i18n.t("rating_prompt")]),
        h("div", { class: "rating__stars" }, stars),
      ]),
      h("label", { class: "rating__label", for: commentId }, [i18n.t("rating_comment_label")]),
      comment,
      h("div", { class: "rating__actions" }, [
        h("button", { type: "button", class: "button", onclick: dismiss }, [i18n.t("rating_dismiss")]),
        submitButton,
      ]),
    ],
  );
  replaceChildren(container, [form]);
  container.hidden = false;
}
