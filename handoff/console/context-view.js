// The context card of the open conversation: who the customer is (when the
// shop's server vouched for them) and what the page said about them, language,
// why it was handed over, what the assistant thought the customer wanted, the
// pages they saw and their previous conversations.

import { h, replaceChildren } from "./dom.js";
import { formatConfidence, formatDateTime, formatTime } from "./format.js";
import { t } from "./i18n.js";
import { agentName, isHighPriority, languageName, reasonLabel } from "./protocol.js";

const SAFE_LINK_PROTOCOLS = new Set(["http:", "https:"]);

/** How a past conversation (or an earlier handoff of this one) ended, in the page's language. */
const PAST_OUTCOME_LABELS = Object.freeze({
  resolved: () => t("context.outcome_resolved"),
  handed_back: () => t("context.outcome_handed_back"),
  bot: () => t("context.outcome_bot"),
  assigned: () => t("context.outcome_assigned"),
  queued: () => t("context.outcome_queued"),
});

/** Show `context` (may be null while loading) of `conversation` in `body`; nothing selected → a hint. */
export function renderContext(body, conversation, context) {
  if (!conversation) {
    replaceChildren(body, [h("p", { class: "empty" }, [t("context.empty")])]);
    return;
  }
  const language = (context && context.language) || conversation.language;
  const reason = (context && context.reason) || conversation.reason;
  replaceChildren(body, [
    h("dl", { class: "facts" }, [
      fact(t("context.language"), language ? t("common.language_with_code", { language: languageName(language), code: language }) : languageName(language)),
      fact(t("context.reason"), reasonLabel(reason)),
      fact(t("context.priority"), isHighPriority(conversation.priority) ? t("context.priority_high") : t("context.priority_normal")),
      conversation.queued_at ? fact(t("context.queued"), formatTime(conversation.queued_at)) : null,
      conversation.assigned_at ? fact(t("context.assigned"), formatTime(conversation.assigned_at)) : null,
    ]),
    context ? contextSections(context) : h("p", { class: "empty" }, [t("context.loading")]),
  ]);
}

function fact(term, value) {
  return h("div", { class: "facts__row" }, [h("dt", {}, [term]), h("dd", {}, [value])]);
}

function contextSections(context) {
  const intents = Array.isArray(context.intents) ? context.intents.filter((i) => i && i.name) : [];
  const pages = Array.isArray(context.pages) ? context.pages.filter((p) => typeof p === "string" && p) : [];
  const previous = Array.isArray(context.previous_conversations) ? context.previous_conversations.filter(Boolean) : [];
  const fragment = document.createDocumentFragment();
  const sections = [
    customerSection(context.customer),
    attributesSection(context.attributes),
    section(t("context.intents"), intents.length ? h("ul", { class: "intents" }, intents.map(intentItem)) : null, t("context.intents_none")),
    section(t("context.pages"), pages.length ? h("ol", { class: "pages" }, pages.map(pageItem)) : null, t("context.pages_none")),
    section(t("context.previous"), previous.length ? h("ul", { class: "previous" }, previous.map(previousItem)) : null, t("context.previous_none")),
  ];
  fragment.append(...sections.filter(Boolean)); // append(null) would show "null"
  return fragment;
}

/** A mailto: address for `email`; it stays one address whatever characters it holds. */
export function mailtoHref(email) {
  return `mailto:${encodeURIComponent(email).replace("%40", "@")}`;
}

/** The verified customer: name, email and the shop's id for them; or that they did not sign in. */
function customerSection(customer) {
  if (!customer || typeof customer !== "object" || !customer.id) {
    return section(t("context.customer"), null, t("context.not_signed_in"));
  }
  const email = typeof customer.email === "string" && customer.email
    ? h("a", { href: mailtoHref(customer.email), dir: "ltr", "data-testid": "customer-email" }, [customer.email])
    : null;
  return section(t("context.customer"), h("dl", { class: "facts", "data-testid": "customer" }, [
    customer.name ? fact(t("context.customer_name"), h("bdi", { "data-testid": "customer-name" }, [String(customer.name)])) : null,
    email ? fact(t("context.customer_email"), email) : null,
    fact(t("context.customer_account"), h("span", {}, [
      h("bdi", { dir: "ltr", "data-testid": "customer-id" }, [String(customer.id)]),
      " ",
      h("span", { class: "tag", title: t("context.verified_hint") }, [t("context.verified")]),
    ])),
  ]));
}

/** What the shop's page sent about the customer (plan, order number…): plain text, never markup. */
function attributesSection(attributes) {
  const entries = attributes && typeof attributes === "object" ? Object.entries(attributes) : [];
  if (!entries.length) return null;
  return section(t("context.attributes"), h("dl", { class: "facts", "data-testid": "customer-attributes" },
    entries.map(([name, value]) => fact(name, h("bdi", {}, [String(value)]))),
  ));
}

function section(title, content, emptyText) {
  return h("section", { class: "context-section" }, [h("h3", {}, [title]), content || h("p", { class: "empty" }, [emptyText])]);
}

function intentItem(intent) {
  const confidence = formatConfidence(intent.confidence);
  const bar = h("span", { class: "intent__bar-fill" });
  bar.style.inlineSize = confidence || "0%";
  return h("li", { class: "intent" }, [
    h("span", { class: "intent__name" }, [String(intent.name)]),
    h("span", { class: "intent__confidence" }, [confidence]),
    h("span", { class: "intent__bar", "aria-hidden": "true" }, [bar]),
  ]);
}

/** A page the customer saw: a link only for http(s) addresses, text otherwise. */
function pageItem(url) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch (error) {
    parsed = null;
  }
  const content = parsed && SAFE_LINK_PROTOCOLS.has(parsed.protocol)
    ? h("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer", dir: "auto" }, [url])
    : h("span", { dir: "auto" }, [url]);
  return h("li", {}, [content]);
}

/**
 * A previous conversation: `{started_at, state, rating?}` as documented, or an
 * earlier handoff episode `{queued_at, ended_at, outcome, agent, rating: {score, comment}}`.
 */
function previousItem(past) {
  const when = formatDateTime(past.started_at ?? past.queued_at ?? past.assigned_at ?? past.ended_at);
  const outcome = past.outcome ?? past.state;
  const rating = past.rating && typeof past.rating === "object" ? past.rating : { score: past.rating };
  const rated = rating.score !== undefined && rating.score !== null && rating.score !== "";
  return h("li", { class: "previous__item" }, [
    h("span", { class: "previous__when" }, [when || t("context.unknown_date")]),
    h("span", { class: "previous__state" }, [PAST_OUTCOME_LABELS[outcome] ? PAST_OUTCOME_LABELS[outcome]() : String(outcome || "")]),
    agentName(past.agent) ? h("span", { class: "previous__agent" }, [t("context.agent", { agent: agentName(past.agent) })]) : null,
    h("span", { class: "previous__rating" }, [rated ? t("context.rating", { score: rating.score }) : t("context.not_rated")]),
    rating.comment ? h("q", { class: "previous__comment", dir: "auto" }, [String(rating.comment)]) : null,
  ]);
}
