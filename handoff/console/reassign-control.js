// "Reassign to…" in the conversation header, for supervisors only: a list of
// the agents the open conversation can go to (display name and status, its
// current agent left out) and a button that passes it on. The list is asked
// for again whenever it gets focus. Shown only for conversations with an agent.

import { h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { agentStatusLabel } from "./protocol.js";

/**
 * `elements`: {group, select, button}. `onRefresh()` fetches the roster again
 * (the select got focus); `onSubmit(conversationId, username)` resolves to
 * whether the server took the reassignment.
 */
export function createReassignControl(elements, { onRefresh, onSubmit }) {
  const { group, select, button } = elements;
  /** The conversation the control is shown for; a different one starts with nothing chosen. */
  let conversationId = null;
  /** What the options show now: they are rebuilt only when it changes (an open list stays put). */
  let shownKey = null;
  let available = false;
  let busy = false;

  function refreshControls() {
    // The select stays usable with no agents listed: focusing it fetches them again.
    select.disabled = !available || busy;
    button.disabled = !available || busy || !select.value;
  }

  function optionLabel(agent) {
    return `${agent.display_name || agent.username} (${agentStatusLabel(agent.status)})`;
  }

  function showOptions(targets) {
    const key = JSON.stringify(targets.map((agent) => [agent.username, agent.display_name, agent.status]));
    if (key === shownKey) return;
    const chosen = select.value;
    replaceChildren(select, [
      h("option", { value: "" }, [targets.length ? t("reassign.placeholder") : t("reassign.none")]),
      ...targets.map((agent) => h("option", { value: agent.username, "data-status": agent.status }, [optionLabel(agent)])),
    ]);
    select.value = targets.some((agent) => agent.username === chosen) ? chosen : "";
    shownKey = key;
  }

  async function submit() {
    const id = conversationId;
    const to = select.value;
    if (!available || busy || !id || !to) return;
    busy = true;
    refreshControls();
    let done = false;
    try {
      done = await onSubmit(id, to);
    } finally {
      busy = false;
      if (done && id === conversationId && select.value === to) select.value = "";
      refreshControls();
    }
  }

  select.addEventListener("focus", () => onRefresh());
  select.addEventListener("change", refreshControls);
  button.addEventListener("click", submit);

  return {
    /** The page's language changed: the options are built again at the next render. */
    relabel() {
      shownKey = null;
    },
    /** Show the control for the store's selected conversation, or hide it. */
    render(store) {
      const conversation = store.selected;
      available = store.canReassign(conversation);
      group.hidden = !available;
      if (!available) {
        conversationId = null;
        refreshControls();
        return;
      }
      if (conversation.conversation_id !== conversationId) {
        conversationId = conversation.conversation_id;
        select.value = "";
      }
      showOptions(store.reassignTargets(conversation));
      refreshControls();
    },
    /** While Resolve or Hand back is on its way. */
    disable() {
      select.disabled = true;
      button.disabled = true;
    },
    clear() {
      conversationId = null;
      available = false;
      busy = false;
      shownKey = null;
      replaceChildren(select, [h("option", { value: "" }, [t("reassign.placeholder")])]);
      group.hidden = true;
      refreshControls();
    },
  };
}
