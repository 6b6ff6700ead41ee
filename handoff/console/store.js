// What the console knows: the queue, the agent's conversations with their
// transcripts, contexts, unread counts and typing state, which one is open, and
// the messages customers left while nobody could answer (offline tickets), and
// for supervisors the roster of agents conversations can be passed to.
// Plain data and rules, no DOM and no socket: views read it, console.js feeds it.

import { AgentRole, HandoffState, Sender } from "./constants.js";
import { isAgent } from "./protocol.js";

/** How long a "customer is typing" lasts if the "off" never arrives. */
const TYPING_EXPIRY_MS = 10_000;

/** Senders whose new entries count as unread; agents' own replies and notes do not. */
const UNREAD_SENDERS = new Set([Sender.CUSTOMER, Sender.BOT, Sender.SYSTEM]);

/** A ticket as shown, or null when it lacks an email address or a message. */
function normaliseTicket(ticket) {
  if (!ticket || typeof ticket !== "object" || typeof ticket.email !== "string" || typeof ticket.message !== "string") return null;
  const text = (value) => (typeof value === "string" ? value : "");
  return {
    id: text(ticket.id),
    conversation_id: text(ticket.conversation_id),
    email: ticket.email,
    message: ticket.message,
    language: text(ticket.language),
    created_at: ticket.created_at ?? null,
    name: text(ticket.name),
    customer_id: text(ticket.customer_id),
    answered_by: text(ticket.answered_by),
    answered_by_name: text(ticket.answered_by_name),
    answered_at: ticket.answered_at ?? null,
    answer: text(ticket.answer),
  };
}

/** A ticket's id; older tickets have none: the conversation, the time and the address tell them apart. */
export function ticketKey(ticket) {
  return ticket.id || `${ticket.conversation_id}|${ticket.created_at}|${ticket.email}`;
}

export function createStore(now = () => Date.now()) {
  let agent = null;
  let queue = { waiting: [], agentsOnline: null, receivedAt: 0 };
  /** conversation_id → conversation (the protocol's shape, plus `lost` set here). */
  const conversations = new Map();
  /** conversation_id → Map(key → entry), key = seq. */
  const transcripts = new Map();
  /** Conversations whose whole transcript came from `open` (so its seqs start at 1). */
  const complete = new Set();
  const contexts = new Map();
  const unread = new Map();
  /** conversation_id → time the typing indicator expires. */
  const typingUntil = new Map();
  const canned = new Map();
  /** conversation_id → the latest `suggestions` payload (highest seq). */
  const suggestions = new Map();
  /** conversation_id → agent assist's summary, or a loading state of assist-view.js. */
  const summaries = new Map();
  let selectedId = null;
  let localCounter = 0;
  /** Offline tickets, newest first. */
  let tickets = [];
  /** Supervisors only: every agent with their status, as GET /api/agent/agents gave it. */
  let roster = [];

  function transcriptOf(id) {
    let entries = transcripts.get(id);
    if (!entries) {
      entries = new Map();
      transcripts.set(id, entries);
    }
    return entries;
  }

  function entryKey(entry) {
    if (Number.isFinite(entry.seq)) return `s:${entry.seq}`;
    localCounter += 1;
    return `l:${localCounter}`;
  }

  function addEntry(id, entry) {
    const entries = transcriptOf(id);
    const key = entryKey(entry);
    if (entries.has(key)) return false;
    entries.set(key, { ...entry, order: entries.size });
    return true;
  }

  return {
    get agent() {
      return agent;
    },
    setAgent(value) {
      agent = value;
    },
    get isSupervisor() {
      return Boolean(agent && agent.role === AgentRole.SUPERVISOR);
    },

    // ---- queue -------------------------------------------------------------

    /** A `queue` event: the whole queue, in the server's order. */
    setQueue(payload) {
      const waiting = Array.isArray(payload.waiting) ? payload.waiting.filter((item) => item && item.conversation_id) : [];
      const agentsOnline = Number.isFinite(payload.agents_online) ? payload.agents_online : null;
      queue = { waiting, agentsOnline, receivedAt: now() };
    },
    get queue() {
      return queue.waiting;
    },
    get agentsOnline() {
      return queue.agentsOnline;
    },
    /** Seconds `item` has waited: the server's `waiting_s` plus the time since the queue came. */
    waitingSeconds(item) {
      return (Number(item.waiting_s) || 0) + (now() - queue.receivedAt) / 1000;
    },

    // ---- the agent's conversations ----------------------------------------

    /**
     * A `my_conversations` event: the conversations assigned to the agent. Ones
     * shown here before and no longer assigned stay (read-only) so an open
     * transcript does not vanish under the agent's eyes.
     */
    setMyConversations(list) {
      const incoming = new Map((Array.isArray(list) ? list : []).filter((c) => c && c.conversation_id).map((c) => [c.conversation_id, c]));
      for (const [id, conversation] of conversations) {
        if (!incoming.has(id) && this.isActive(conversation)) conversations.set(id, { ...conversation, lost: true });
      }
      for (const [id, conversation] of incoming) conversations.set(id, { ...conversations.get(id), ...conversation, lost: false });
    },
    /** A conversation the agent claimed or opened. */
    upsertConversation(conversation) {
      if (!conversation || !conversation.conversation_id) return;
      const id = conversation.conversation_id;
      conversations.set(id, { ...conversations.get(id), ...conversation, lost: false });
    },
    /**
     * A `conversation_update`: applied to the agent's conversations, and adds
     * one newly assigned to this agent (for a supervisor: to any agent).
     * Returns whether the console shows it.
     */
    updateConversation(conversation) {
      if (!conversation || !conversation.conversation_id) return false;
      const id = conversation.conversation_id;
      if (conversations.has(id)) {
        conversations.set(id, { ...conversations.get(id), ...conversation });
        return true;
      }
      const supervising = Boolean(agent && agent.role === AgentRole.SUPERVISOR);
      if (conversation.state === HandoffState.ASSIGNED && (supervising || isAgent(conversation.agent, agent))) {
        conversations.set(id, { ...conversation, lost: false });
        return true;
      }
      return false;
    },
    /** Forget a finished conversation (the agent closed it from the list). */
    removeConversation(id) {
      conversations.delete(id);
      transcripts.delete(id);
      complete.delete(id);
      contexts.delete(id);
      suggestions.delete(id);
      summaries.delete(id);
      unread.delete(id);
      typingUntil.delete(id);
      if (selectedId === id) selectedId = null;
    },
    get conversations() {
      return Array.from(conversations.values());
    },
    conversation(id) {
      return conversations.get(id) || null;
    },
    /** Whether the agent can still write in it: assigned to them and not taken away. */
    isActive(conversation) {
      if (!conversation || conversation.lost || conversation.state !== HandoffState.ASSIGNED) return false;
      return !conversation.agent || isAgent(conversation.agent, agent);
    },

    // ---- selection ---------------------------------------------------------

    get selectedId() {
      return selectedId;
    },
    get selected() {
      return selectedId ? conversations.get(selectedId) || null : null;
    },
    select(id) {
      selectedId = id;
      unread.delete(id);
    },

    // ---- transcripts -------------------------------------------------------

    /** A `message` event (or a reply's ack). Returns whether the entry is new. */
    addMessage(id, entry) {
      if (!id || !entry || typeof entry !== "object") return false;
      const added = addEntry(id, entry);
      if (!added) return false;
      if (entry.sender === Sender.CUSTOMER) typingUntil.delete(id);
      if (id !== selectedId && UNREAD_SENDERS.has(entry.sender)) unread.set(id, (unread.get(id) || 0) + 1);
      return true;
    },
    /** The transcript from `open`: replaces what is known, keeping entries that arrived since. */
    setTranscript(id, entries) {
      const newer = this.entries(id);
      transcripts.delete(id);
      for (const entry of Array.isArray(entries) ? entries : []) if (entry && typeof entry === "object") addEntry(id, entry);
      for (const entry of newer) addEntry(id, entry);
      complete.add(id);
    },
    /**
     * Whether a stored entry of `id` never reached the console: its seqs have a
     * hole (socket.io's Redis pub/sub delivers at most once). Only known for a
     * transcript `open` gave in full.
     */
    hasGap(id) {
      if (!complete.has(id)) return false;
      const seqs = new Set(this.entries(id).map((entry) => entry.seq).filter(Number.isInteger));
      return seqs.size > 0 && seqs.size < Math.max(...seqs);
    },
    /** Entries in order: by seq, entries without one after, in arrival order. */
    entries(id) {
      const entries = Array.from((transcripts.get(id) || new Map()).values());
      const rank = (entry) => (Number.isFinite(entry.seq) ? entry.seq : Number.MAX_SAFE_INTEGER);
      return entries.sort((a, b) => rank(a) - rank(b) || a.order - b.order).map(({ order, ...entry }) => entry);
    },
    lastEntry(id) {
      const entries = this.entries(id);
      return entries.length ? entries[entries.length - 1] : null;
    },

    // ---- context, unread, typing, canned answers ----------------------------

    /** The conversation's language, from the conversation or else its context. */
    languageOf(id) {
      const conversation = conversations.get(id);
      const context = contexts.get(id);
      return (conversation && conversation.language) || (context && context.language) || null;
    },
    setContext(id, context) {
      if (context && typeof context === "object") contexts.set(id, context);
    },
    context(id) {
      return contexts.get(id) || null;
    },
    unread(id) {
      return unread.get(id) || 0;
    },
    get totalUnread() {
      let total = 0;
      for (const [id, count] of unread) if (conversations.has(id)) total += count;
      return total;
    },
    setCustomerTyping(id, on) {
      if (on) typingUntil.set(id, now() + TYPING_EXPIRY_MS);
      else typingUntil.delete(id);
    },
    isCustomerTyping(id) {
      const until = typingUntil.get(id);
      return Boolean(until && until > now());
    },
    clearCustomerTyping() {
      typingUntil.clear();
    },
    /** A `suggestions` payload (or `open`'s): kept unless newer ones are known. Returns whether it was kept. */
    setSuggestions(id, payload) {
      if (!id || !payload || typeof payload !== "object" || !Array.isArray(payload.suggestions)) return false;
      const known = suggestions.get(id);
      if (known && Number(known.seq) > Number(payload.seq)) return false;
      suggestions.set(id, payload);
      return true;
    },
    suggestions(id) {
      return suggestions.get(id) || null;
    },
    setSummary(id, summary) {
      if (id) summaries.set(id, summary);
    },
    summary(id) {
      return summaries.get(id) || null;
    },
    setCanned(language, answers) {
      canned.set(language, Array.isArray(answers) ? answers.filter((a) => a && typeof a.text === "string") : []);
    },
    canned(language) {
      return canned.get(language) || null;
    },

    // ---- messages left while nobody could answer -----------------------------

    /** The answer of GET /api/agent/tickets (newest first): replaces what is known. */
    setTickets(list) {
      const seen = new Set();
      tickets = [];
      for (const ticket of (Array.isArray(list) ? list : []).map(normaliseTicket)) {
        if (!ticket || seen.has(ticketKey(ticket))) continue;
        seen.add(ticketKey(ticket));
        tickets.push(ticket);
      }
    },
    /** An `offline_ticket` event: shown first until the list is fetched again. Returns whether it is new. */
    addTicket(payload) {
      const ticket = normaliseTicket(payload);
      if (!ticket || tickets.some((known) => ticketKey(known) === ticketKey(ticket))) return false;
      tickets = [ticket, ...tickets];
      return true;
    },
    /** A `ticket_updated` event (or an answer's acknowledgement): the ticket as it is now. Returns whether it is known. */
    updateTicket(payload) {
      const ticket = normaliseTicket(payload);
      const index = ticket ? tickets.findIndex((known) => ticketKey(known) === ticketKey(ticket)) : -1;
      if (index < 0) return false;
      tickets = tickets.map((known, i) => (i === index ? ticket : known));
      return true;
    },
    get tickets() {
      return tickets.slice();
    },

    // ---- reassigning (supervisors) -------------------------------------------

    /** The answer of GET /api/agent/agents: replaces what is known. */
    setRoster(list) {
      const seen = new Set();
      roster = [];
      for (const entry of Array.isArray(list) ? list : []) {
        if (!entry || typeof entry.username !== "string" || !entry.username || seen.has(entry.username)) continue;
        seen.add(entry.username);
        roster.push(entry);
      }
    },
    get roster() {
      return roster.slice();
    },
    /**
     * Whether the signed-in agent may pass `conversation` to another agent: a
     * supervisor, and the conversation is with an agent. One no longer in the
     * agent's list (`lost`) is not: its state is not known until it is opened again.
     */
    canReassign(conversation) {
      return Boolean(this.isSupervisor && conversation && !conversation.lost && conversation.state === HandoffState.ASSIGNED);
    },
    /** The agents `conversation` can go to: the roster without its current agent. */
    reassignTargets(conversation) {
      const current = conversation && conversation.agent;
      if (!current) return roster.slice();
      // The server names the agent by username; an agent object is compared by name too.
      const isCurrent = typeof current === "string" ? (candidate) => candidate.username === current : (candidate) => isAgent(current, candidate);
      return roster.filter((candidate) => !isCurrent(candidate));
    },
  };
}
