// The open conversation: its header (what it is, its state, Resolve and Hand
// back, and for supervisors "Reassign to…"), the transcript, "customer is
// typing…", the reply box's read-only state and the context card. A
// conversation the agent can no longer write in (resolved, handed back, taken
// away) is shown read-only with why.

import { renderContext } from "./context-view.js";
import { t } from "./i18n.js";
import { inactiveLabel, languageName, reasonLabel } from "./protocol.js";
import { createTranscriptView } from "./transcript-view.js";

/**
 * `elements`: {empty, body, title, state, resolve, handback, transcript,
 * transcriptList, customerTyping, contextBody}; `composer`: the reply box;
 * `reassign`: the supervisors' "Reassign to…" control (reassign-control.js);
 * `assist`: the summary and suggested replies (assist-view.js).
 */
export function createConversationView(elements, composer, reassign, assist) {
  const transcript = createTranscriptView(elements.transcript, elements.transcriptList);

  function renderTyping(store) {
    const conversation = store.selected;
    elements.customerTyping.hidden = !(conversation && store.isActive(conversation) && store.isCustomerTyping(conversation.conversation_id));
  }

  return {
    /** Show the store's selected conversation; `scrollToEnd` jumps to its newest entry. */
    render(store, { scrollToEnd = false } = {}) {
      const conversation = store.selected;
      elements.empty.hidden = Boolean(conversation);
      elements.body.hidden = !conversation;
      if (!conversation) {
        transcript.clear();
        composer.open(null);
        composer.setEnabled(false);
        renderContext(elements.contextBody, null, null);
        assist.renderSummary(null);
        assist.renderSuggestions(null, { enabled: false });
        reassign.render(store);
        renderTyping(store);
        return;
      }
      const id = conversation.conversation_id;
      const active = store.isActive(conversation);
      const language = store.languageOf(id);
      elements.title.textContent = `${languageName(language)} · ${reasonLabel(conversation.reason)}`;
      elements.state.textContent = active ? t("state.assigned") : inactiveLabel(conversation, store.agent);
      elements.state.dataset.state = active ? "active" : conversation.state || "unknown";
      elements.body.classList.toggle("is-readonly", !active);
      elements.resolve.disabled = !active;
      elements.handback.disabled = !active;
      composer.setEnabled(active);
      reassign.render(store);
      transcript.render(store.entries(id), language, { scrollToEnd });
      renderContext(elements.contextBody, conversation, store.context(id));
      assist.renderSummary(store.summary(id));
      assist.renderSuggestions(store.suggestions(id), { language, enabled: active });
      renderTyping(store);
    },
    renderTyping,
    /** The page's language changed: draw the transcript again, its labels in the new language. */
    redraw(store) {
      transcript.clear();
      this.render(store);
    },
    /** While Resolve or Hand back is on its way. */
    disableActions() {
      elements.resolve.disabled = true;
      elements.handback.disabled = true;
      reassign.disable();
    },
    clear() {
      transcript.clear();
      reassign.clear();
    },
  };
}
