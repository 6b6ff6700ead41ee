// "Customer data" (supervisors): export (a JSON file) or delete everything kept
// about one customer, found by conversation id, the shop's customer id or an
// email address, through /api/agent/customer-data. A deletion is confirmed
// first and cannot be undone; aggregated figures stay. Text goes in as text.

import { gatewayUrl } from "./gateway.js";
import { t } from "./i18n.js";

const DATA_URL = gatewayUrl("/api/agent/customer-data");

/**
 * `ui`: {section, form, kind, value, remove, result}; `signedInFetch(url, options)`
 * is the sign-in's (null when the session ended: the sign-in form is shown).
 * Returns {show(agent), relabel()}: the card is shown to supervisors only.
 */
export function createCustomerData(ui, signedInFetch) {
  let lastResult = null; // () => text, redrawn when the language changes

  function say(text) {
    lastResult = text;
    ui.result.textContent = text ? text() : "";
  }

  /** The answer when it is a success; else null, with why said on the card. */
  async function authorisedFetch(url, options) {
    let response;
    try {
      response = await signedInFetch(url, options);
    } catch (error) {
      say(() => t("signin.unreachable"));
      return null;
    }
    if (!response || response.ok) return response;
    const body = await response.json().catch(() => null);
    const error = body && body.error ? body.error : `HTTP ${response.status}`;
    say(() => t("privacy.failed", { error }));
    return null;
  }

  function query() {
    return new URLSearchParams({ [ui.kind.value]: ui.value.value.trim() }).toString();
  }

  async function exportData(event) {
    event.preventDefault();
    if (!ui.value.value.trim()) return;
    say(null);
    const response = await authorisedFetch(`${DATA_URL}?${query()}`);
    if (!response) return;
    const data = await response.json();
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = "customer-data.json";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    const conversations = data.conversations.length;
    const tickets = data.offline_tickets.length;
    say(() => t("privacy.exported", { conversations, tickets }));
  }

  async function deleteData() {
    const value = ui.value.value.trim();
    if (!value) {
      ui.value.reportValidity();
      return;
    }
    if (!window.confirm(t("privacy.confirm", { value }))) return;
    say(null);
    const response = await authorisedFetch(`${DATA_URL}?${query()}`, { method: "DELETE" });
    if (!response) return;
    const { deleted } = await response.json();
    const counts = { conversations: deleted.conversations, tickets: deleted.offline_tickets, items: deleted.inbox_items };
    say(() => t("privacy.deleted", counts));
  }

  ui.form.addEventListener("submit", exportData);
  ui.remove.addEventListener("click", deleteData);

  return {
    /** The card is a supervisor's; other roles do not see it. */
    show(agent) {
      ui.section.hidden = !(agent && agent.role === "supervisor");
      if (ui.section.hidden) say(null);
    },
    relabel() {
      say(lastResult);
    },
  };
}
