// Agent assist in the open conversation: the summary at its top (why it was
// handed off, the language, what the customer asked as the assistant read it,
// what the assistant answered, how long they waited) and up to three
// suggested replies above the reply box; a click puts one in the reply box.
// Protocol: `summary` and `suggestions` in docs/agent-protocol.md.

import { h, replaceChildren } from "./dom.js";
import { formatConfidence, formatDuration } from "./format.js";
import { t } from "./i18n.js";
import { languageName, reasonLabel } from "./protocol.js";

const FALLBACK_INTENT = "nlu_fallback";

/** "faq/refund_status" → "Refund status"; "complain" → "Complain" (data: not translated). */
export function intentLabel(name) {
  const text = String(name || "").replace(/^faq\//, "").replace(/_/g, " ").trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : t("common.unknown");
}

/** Loading states of a summary in the store. */
export const SummaryState = Object.freeze({ LOADING: "loading", FAILED: "failed" });

/**
 * `elements`: {summary, suggestions}; `onPick(text)`: a suggestion was chosen.
 */
export function createAssistView(elements, { onPick }) {
  /** The suggestions shown, by index (the buttons carry the index). */
  let shown = [];
  /** The agent folded the summary away: it stays folded as the pane re-renders. */
  let folded = false;

  elements.summary.addEventListener(
    "toggle",
    (event) => {
      if (event.target instanceof HTMLDetailsElement) folded = !event.target.open;
    },
    true,
  );

  elements.suggestions.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button[data-suggestion]") : null;
    const suggestion = button ? shown[Number(button.dataset.suggestion)] : null;
    if (suggestion) onPick(suggestion.text);
  });

  return {
    /** `summary`: the protocol's summary, a SummaryState, or null (nothing to show). */
    renderSummary(summary) {
      const body = elements.summary;
      if (!summary) {
        body.hidden = true;
        replaceChildren(body, []);
        return;
      }
      body.hidden = false;
      const loaded = summary !== SummaryState.LOADING && summary !== SummaryState.FAILED;
      const text = summary === SummaryState.LOADING ? t("assist.loading") : t("assist.failed");
      const [facts, ...content] = loaded ? summaryContent(summary) : [null, h("p", { class: "empty" }, [text])];
      const details = h("details", { class: "assist-summary__details" }, [
        h("summary", { class: "assist-summary__title" }, [h("strong", {}, [t("assist.summary")]), facts ? " · " : "", facts]),
        ...content,
      ]);
      details.open = !folded;
      replaceChildren(body, [details]);
    },
    /** `payload`: a `suggestions` payload (or null); `language`: the customer's, for the text direction. */
    renderSuggestions(payload, { language, enabled }) {
      shown = payload && Array.isArray(payload.suggestions) ? payload.suggestions.filter((s) => s && typeof s.text === "string" && s.text) : [];
      const list = elements.suggestions;
      list.hidden = !enabled || shown.length === 0;
      if (list.hidden) {
        replaceChildren(list, []);
        return;
      }
      replaceChildren(list, [
        h("span", { class: "suggestions__label", id: "suggestions-label" }, [t("assist.suggestions")]),
        ...shown.map((suggestion, index) =>
          h(
            "button",
            {
              type: "button",
              class: "suggestion",
              "data-suggestion": String(index),
              "data-testid": "suggestion",
              "data-source": suggestion.source || "",
              title: t("assist.suggestion_hint"),
              lang: language || "",
            },
            [
              h("span", { class: "suggestion__text", dir: "auto" }, [suggestion.text]),
              h("span", { class: "suggestion__meta" }, [
                `${suggestion.source === "canned" ? t("assist.source_canned") : t("sender.bot")} · ${suggestion.source === "canned" ? String(suggestion.label || "") : intentLabel(suggestion.label)} · ${formatConfidence(suggestion.confidence)}`,
              ]),
            ],
          ),
        ),
      ]);
    },
  };
}

function summaryContent(summary) {
  const facts = [
    t("assist.handed_off", { reason: reasonLabel(summary.reason) }),
    `${languageName(summary.language)}${summary.language ? ` (${summary.language})` : ""}`,
    Number.isFinite(summary.waited_s) ? t("assist.waited", { duration: formatDuration(summary.waited_s) }) : null,
    Number.isFinite(summary.since_s) ? t("assist.chatting", { duration: formatDuration(summary.since_s) }) : null,
  ].filter(Boolean);
  const questions = Array.isArray(summary.questions) ? summary.questions.filter((q) => q && typeof q === "object") : [];
  const unsure = Number(summary.unsure_turns) || 0;
  const parts = [h("span", { class: "assist-summary__facts", "data-testid": "summary-facts" }, [facts.join(" · ")])];
  if (!summary.complete) {
    parts.push(h("p", { class: "empty" }, [t("assist.incomplete")]));
  } else if (questions.length === 0) {
    parts.push(h("p", { class: "empty" }, [t("assist.no_questions")]));
  } else {
    const heading = unsure ? t("assist.questions_unsure", { count: unsure }) : t("assist.questions");
    parts.push(h("p", { class: "assist-summary__heading" }, [heading]));
    parts.push(h("ol", { class: "assist-summary__questions", "data-testid": "summary-questions" }, questions.map(questionItem)));
  }
  return parts;
}

function questionItem(question) {
  const understood = question.understood !== false && question.intent !== FALLBACK_INTENT;
  const guesses = Array.isArray(question.guesses) ? question.guesses.filter((g) => g && g.name) : [];
  const intent = understood
    ? `${intentLabel(question.intent)} (${formatConfidence(question.confidence)})`
    : guesses.length
      ? t("assist.not_understood_maybe", { guesses: guesses.map((g) => `${intentLabel(g.name)} ${formatConfidence(g.confidence)}`).join(", ") })
      : t("assist.not_understood");
  const answers = Array.isArray(question.answers) ? question.answers.filter((a) => typeof a === "string" && a) : [];
  return h("li", { class: "assist-question", "data-understood": understood ? "true" : "false" }, [
    question.button
      ? h("span", { class: "assist-question__text assist-question__text--button" }, [t("assist.pressed_button")])
      : h("q", { class: "assist-question__text", dir: "auto" }, [String(question.text || "")]),
    h("span", { class: "assist-question__intent" }, [intent]),
    answers.length
      ? h("span", { class: "assist-question__answer", dir: "auto" }, [t("assist.answer", { answer: answers[0] })])
      : h("span", { class: "assist-question__answer assist-question__answer--none" }, [t("assist.no_answer")]),
  ]);
}
