// The support analytics dashboard: signs a supervisor or trainer in, reads
// GET /api/analytics for a range of days and draws tiles, charts (Chart.js,
// loaded before this module as window.Chart), a table and a CSV download.
// Text goes in with textContent only; the page's CSP allows no inline code.

import { AgentRole, HandoffReason } from "./constants.js";
import { append, byId, h } from "./dom.js";
import { languageOptions } from "./languages.js";
import { createStaffPage } from "./shell.js";

const REPORT_URL = "/api/analytics";
const CSV_URL = "/api/analytics.csv";
const DEFAULT_DAYS = 14;
const DAY_MS = 86_400_000;
const EMPTY = "—";

const COLORS = {
  conversations: "#1f5fbf",
  handoffs: "#e07b00",
  containment: "#1e7b44",
  handoffRate: "#e07b00",
  fallback: "#b3261e",
  wait: "#6b4fbb",
  firstResponse: "#1f5fbf",
  handling: "#5b6677",
};
/** Label and colour of each handoff reason; the report's columns are `handoffs_<reason>`. */
const REASON_LOOK = {
  [HandoffReason.CUSTOMER_REQUEST]: ["Asked for a person", "#1f5fbf"],
  [HandoffReason.LOW_CONFIDENCE]: ["Low confidence", "#b3261e"],
  [HandoffReason.COMPLAINT]: ["Complaint", "#e07b00"],
  [HandoffReason.ASSISTANT_UNAVAILABLE]: ["Assistant down", "#5b6677"],
};
const OTHER_REASON_COLOR = "#8a94a6";
/** `[report key, label, colour]` a reason, in the server's order. */
const REASONS = Object.values(HandoffReason).map((reason) => {
  const [label, color] = REASON_LOOK[reason] || [reason.replaceAll("_", " "), OTHER_REASON_COLOR];
  return [`handoffs_${reason}`, label, color];
});
const ROLES = [AgentRole.SUPERVISOR, AgentRole.TRAINER];
const REFUSED = "This page is for supervisors and trainers.";

/** `h` with one text child: `el("td", "3", {scope: "row"})`. */
function el(tag, text = "", attributes = {}) {
  return h(tag, attributes, text === "" ? [] : [text]);
}

const ui = {
  dashboardView: byId("dashboard-view"),
  filters: byId("filters"),
  from: byId("from"),
  to: byId("to"),
  language: byId("language"),
  download: byId("download"),
  notice: byId("notice"),
  range: byId("range"),
  body: byId("report-body"),
  foot: byId("report-foot"),
};

let report = null;
const charts = {};

// ---- formatting -------------------------------------------------------------

function percent(rate) {
  return rate === null || rate === undefined ? EMPTY : `${(rate * 100).toFixed(1)}%`;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return EMPTY;
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function rating(row) {
  return row.mean_rating === null ? EMPTY : `${row.mean_rating.toFixed(2)} / 5`;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// ---- session ----------------------------------------------------------------

const signIn = createStaffPage({
  title: "Support analytics",
  hint: "Sign in with a supervisor or trainer account.",
  storageKey: "dashboard.token",
  roles: ROLES,
  refusedMessage: REFUSED,
  view: ui.dashboardView,
  onSignedIn: () => load(),
  onSignedOut: () => destroyCharts(),
});

// ---- loading ----------------------------------------------------------------

function query() {
  const params = new URLSearchParams({ from: ui.from.value, to: ui.to.value });
  return params.toString();
}

function showNotice(message) {
  ui.notice.textContent = message;
  ui.notice.hidden = !message;
}

/** The response, or null after sending the user back to sign in (401) or showing why not (other errors). */
async function authorisedFetch(url) {
  let response;
  try {
    response = await signIn.authorisedFetch(url);
  } catch (error) {
    showNotice("Cannot reach the server. Check your connection and try again.");
    return null;
  }
  if (!response) return null; // the session ended: the sign-in form is shown
  if (response.status === 403) {
    showNotice(REFUSED);
    return null;
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    showNotice(body && body.error ? `Cannot show these days: ${body.error}.` : `The server answered HTTP ${response.status}.`);
    return null;
  }
  return response;
}

async function load() {
  showNotice("");
  const response = await authorisedFetch(`${REPORT_URL}?${query()}`);
  if (!response) return;
  report = await response.json();
  render();
}

async function downloadCsv() {
  showNotice("");
  const response = await authorisedFetch(`${CSV_URL}?${query()}`);
  if (!response) return;
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", "", { href: url, download: match ? match[1] : "support-analytics.csv" });
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- rendering --------------------------------------------------------------

function selectedRows() {
  const language = ui.language.value;
  return {
    days: report.rows.filter((row) => row.language === language),
    total: report.totals.find((row) => row.language === language),
  };
}

function setTile(name, value, detail) {
  document.querySelector(`[data-testid="tile-${name}-value"]`).textContent = value;
  document.querySelector(`[data-testid="tile-${name}-detail"]`).textContent = detail;
}

function renderTiles(total) {
  setTile("conversations", String(total.conversations), plural(total.assistant_turns, "assistant turn", "assistant turns"));
  setTile("containment", percent(total.containment_rate), `${total.contained} of ${total.conversations} without a person`);
  const reasons = REASONS.filter(([key]) => total[key] > 0).map(([key, label]) => `${label.toLowerCase()} ${total[key]}`);
  setTile("handoff", percent(total.handoff_rate), `${plural(total.handoffs, "handoff", "handoffs")}${reasons.length ? `: ${reasons.join(", ")}` : ""}`);
  setTile("fallback", percent(total.fallback_rate), `${total.low_confidence_turns} of ${plural(total.assistant_turns, "turn", "turns")} not understood`);
  setTile("wait", duration(total.mean_wait_s), plural(total.waits, "customer claimed", "customers claimed"));
  setTile("first-response", duration(total.mean_first_response_s), plural(total.first_responses, "first reply", "first replies"));
  setTile("handling", duration(total.mean_handling_s), `${total.resolutions} resolved, ${total.handbacks} handed back`);
  setTile("satisfaction", rating(total), plural(total.ratings, "rating", "ratings"));
}

function cells(row, label) {
  return [
    label,
    String(row.conversations),
    percent(row.containment_rate),
    String(row.handoffs),
    percent(row.handoff_rate),
    ...REASONS.map(([key]) => String(row[key] ?? 0)),
    percent(row.fallback_rate),
    duration(row.mean_wait_s),
    duration(row.mean_first_response_s),
    duration(row.mean_handling_s),
    String(row.resolutions),
    row.ratings ? `${rating(row)} (${row.ratings})` : EMPTY,
  ];
}

function tableRow(values, testId, day) {
  const tr = el("tr", "", { "data-testid": testId, "data-day": day });
  values.forEach((value, index) => tr.appendChild(el(index === 0 ? "th" : "td", value, index === 0 ? { scope: "row" } : {})));
  return tr;
}

function renderTable(days, total) {
  ui.body.replaceChildren(...[...days].reverse().map((row) => tableRow(cells(row, row.day), "report-row", row.day)));
  ui.foot.replaceChildren(tableRow(cells(total, "All days"), "report-total", "total"));
}

function destroyCharts() {
  for (const [name, chart] of Object.entries(charts)) {
    chart.destroy();
    delete charts[name];
  }
}

function drawChart(name, config) {
  const canvas = byId(`chart-${name}`);
  if (charts[name]) charts[name].destroy();
  const options = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    ...config.options,
  };
  charts[name] = new window.Chart(canvas, { ...config, options });
  canvas.dataset.state = "drawn";
}

function line(label, data, color, extra = {}) {
  return { label, data, borderColor: color, backgroundColor: color, tension: 0.2, spanGaps: true, pointRadius: 3, ...extra };
}

function renderCharts(days, total) {
  if (!window.Chart) {
    showNotice("The charts could not be loaded; the figures below are complete.");
    return;
  }
  const labels = days.map((row) => row.day.slice(5));
  const asPercent = (rate) => (rate === null ? null : Math.round(rate * 1000) / 10);
  drawChart("volume", {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: "Conversations", data: days.map((row) => row.conversations), backgroundColor: COLORS.conversations },
        { label: "Handoffs", data: days.map((row) => row.handoffs), backgroundColor: COLORS.handoffs },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  drawChart("rates", {
    type: "line",
    data: {
      labels,
      datasets: [
        line("Containment %", days.map((row) => asPercent(row.containment_rate)), COLORS.containment),
        line("Handoff rate %", days.map((row) => asPercent(row.handoff_rate)), COLORS.handoffRate),
        line("Fallback rate %", days.map((row) => asPercent(row.fallback_rate)), COLORS.fallback),
      ],
    },
    options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } },
  });
  drawChart("times", {
    type: "line",
    data: {
      labels,
      datasets: [
        line("Mean wait (s)", days.map((row) => row.mean_wait_s), COLORS.wait),
        line("First response (s)", days.map((row) => row.mean_first_response_s), COLORS.firstResponse),
        line("Handling time (s)", days.map((row) => row.mean_handling_s), COLORS.handling),
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  drawChart("reasons", {
    type: "bar",
    data: {
      labels: REASONS.map(([, label]) => label),
      datasets: [{ label: "Handoffs", data: REASONS.map(([key]) => total[key]), backgroundColor: REASONS.map(([, , color]) => color) }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function render() {
  if (!report) return;
  const { days, total } = selectedRows();
  const language = ui.language.selectedOptions[0].textContent;
  ui.range.textContent = `${report.from} to ${report.to} (UTC days), ${language.toLowerCase()}`;
  renderTiles(total);
  renderCharts(days, total);
  renderTable(days, total);
}

// ---- start ------------------------------------------------------------------

function defaultRange() {
  const today = new Date();
  ui.to.value = isoDay(today);
  ui.from.value = isoDay(new Date(today.getTime() - (DEFAULT_DAYS - 1) * DAY_MS));
}

/** The language choices and the table's reason columns come from the server's registries. */
function buildControls() {
  append(ui.language, languageOptions());
  const rateHeading = byId("handoff-rate-heading");
  rateHeading.after(...REASONS.map(([, label]) => el("th", label, { scope: "col" })));
}

function start() {
  buildControls();
  defaultRange();
  ui.filters.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  ui.language.addEventListener("change", render);
  ui.download.addEventListener("click", downloadCsv);
  signIn.start();
}

start();
