// The support analytics dashboard: signs a supervisor or trainer in, reads
// GET /api/analytics for a range of days and draws tiles, charts (Chart.js,
// loaded before this module as window.Chart), a table and a CSV download.
// Text goes in with textContent only; the page's CSP allows no inline code.

import { AgentRole, HandoffReason } from "./constants.js";
import { append, byId, h } from "./dom.js";
import { gatewayUrl } from "./gateway.js";
import { currentLanguage, formatNumber, onLanguageChange, plural, t } from "./i18n.js";
import { languageOptions } from "./languages.js";
import { createCustomerData } from "./customer-data.js";
import { createStaffPage } from "./shell.js";

const REPORT_URL = gatewayUrl("/api/analytics");
const CSV_URL = gatewayUrl("/api/analytics.csv");
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
/** Label (in the page's language) and colour of each handoff reason; the report's columns are `handoffs_<reason>`. */
const REASON_LOOK = {
  [HandoffReason.CUSTOMER_REQUEST]: [() => t("reason.customer_request"), "#1f5fbf"],
  [HandoffReason.LOW_CONFIDENCE]: [() => t("dashboard.reason_low_confidence"), "#b3261e"],
  [HandoffReason.COMPLAINT]: [() => t("reason.complaint"), "#e07b00"],
  [HandoffReason.ASSISTANT_UNAVAILABLE]: [() => t("dashboard.reason_assistant_down"), "#5b6677"],
};
const OTHER_REASON_COLOR = "#8a94a6";
/** `[report key, label(), colour]` a reason, in the server's order. */
const REASONS = Object.values(HandoffReason).map((reason) => {
  const [label, color] = REASON_LOOK[reason] || [() => reason.replaceAll("_", " "), OTHER_REASON_COLOR];
  return [`handoffs_${reason}`, label, color];
});
const ROLES = [AgentRole.SUPERVISOR, AgentRole.TRAINER];

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
  return rate === null || rate === undefined ? EMPTY : formatNumber(rate, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return EMPTY;
  if (seconds < 10) return t("dashboard.seconds", { seconds: formatNumber(seconds, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) });
  const s = Math.round(seconds);
  if (s < 60) return t("dashboard.seconds", { seconds: s });
  if (s < 3600) return t("dashboard.minutes_seconds", { minutes: Math.floor(s / 60), seconds: s % 60 });
  return t("dashboard.hours_minutes", { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60) });
}

function rating(row) {
  return row.mean_rating === null ? EMPTY : t("dashboard.rating", { rating: formatNumber(row.mean_rating, { minimumFractionDigits: 2, maximumFractionDigits: 2 }), max: 5 });
}

/** A count as text in the page's digits. */
function count(value) {
  return formatNumber(Number(value ?? 0));
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// ---- session ----------------------------------------------------------------

const customerData = createCustomerData(
  {
    section: byId("customer-data"),
    form: byId("customer-data-form"),
    kind: byId("customer-data-kind"),
    value: byId("customer-data-value"),
    remove: byId("customer-data-delete"),
    result: byId("customer-data-result"),
  },
  (url, options) => signIn.authorisedFetch(url, options),
);

const signIn = createStaffPage({
  titleKey: "dashboard.title",
  hintKey: "dashboard.hint",
  refusedKey: "dashboard.refused",
  storageKey: "dashboard.token",
  roles: ROLES,
  view: ui.dashboardView,
  onSignedIn: (agent) => {
    customerData.show(agent);
    load();
  },
  onSignedOut: () => {
    customerData.show(null);
    destroyCharts();
  },
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
    showNotice(t("signin.unreachable"));
    return null;
  }
  if (!response) return null; // the session ended: the sign-in form is shown
  if (response.status === 403) {
    showNotice(t("dashboard.refused"));
    return null;
  }
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    showNotice(body && body.error ? t("dashboard.bad_range", { error: body.error }) : t("dashboard.http_error", { status: String(response.status) }));
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
  setTile("conversations", count(total.conversations), plural("dashboard.assistant_turns", total.assistant_turns));
  setTile("containment", percent(total.containment_rate), t("dashboard.contained", { contained: total.contained, conversations: total.conversations }));
  const reasons = REASONS.filter(([key]) => total[key] > 0).map(([key, label]) => `${label().toLocaleLowerCase(currentLanguage())} ${count(total[key])}`);
  const handoffs = plural("dashboard.handoffs_count", total.handoffs);
  setTile("handoff", percent(total.handoff_rate), reasons.length ? t("dashboard.handoffs_by_reason", { handoffs, reasons: reasons.join(", ") }) : handoffs);
  setTile("fallback", percent(total.fallback_rate), plural("dashboard.not_understood", total.assistant_turns, { low: total.low_confidence_turns }));
  setTile("wait", duration(total.mean_wait_s), plural("dashboard.customers_claimed", total.waits));
  setTile("first-response", duration(total.mean_first_response_s), plural("dashboard.first_replies", total.first_responses));
  setTile("handling", duration(total.mean_handling_s), t("dashboard.resolved_handed_back", { resolved: total.resolutions, handed_back: total.handbacks }));
  setTile("satisfaction", rating(total), plural("dashboard.ratings", total.ratings));
}

function cells(row, label) {
  return [
    label,
    count(row.conversations),
    percent(row.containment_rate),
    count(row.handoffs),
    percent(row.handoff_rate),
    ...REASONS.map(([key]) => count(row[key])),
    percent(row.fallback_rate),
    duration(row.mean_wait_s),
    duration(row.mean_first_response_s),
    duration(row.mean_handling_s),
    count(row.resolutions),
    row.ratings ? `${rating(row)} (${count(row.ratings)})` : EMPTY,
  ];
}

function tableRow(values, testId, day) {
  const tr = el("tr", "", { "data-testid": testId, "data-day": day });
  values.forEach((value, index) => tr.appendChild(el(index === 0 ? "th" : "td", value, index === 0 ? { scope: "row" } : {})));
  return tr;
}

function renderTable(days, total) {
  ui.body.replaceChildren(...[...days].reverse().map((row) => tableRow(cells(row, row.day), "report-row", row.day)));
  ui.foot.replaceChildren(tableRow(cells(total, t("dashboard.all_days")), "report-total", "total"));
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
    locale: currentLanguage(),
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
    showNotice(t("dashboard.charts_failed"));
    return;
  }
  const labels = days.map((row) => row.day.slice(5));
  const asPercent = (rate) => (rate === null ? null : Math.round(rate * 1000) / 10);
  drawChart("volume", {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: t("dashboard.conversations"), data: days.map((row) => row.conversations), backgroundColor: COLORS.conversations },
        { label: t("dashboard.handoffs"), data: days.map((row) => row.handoffs), backgroundColor: COLORS.handoffs },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  drawChart("rates", {
    type: "line",
    data: {
      labels,
      datasets: [
        line(t("dashboard.series_containment"), days.map((row) => asPercent(row.containment_rate)), COLORS.containment),
        line(t("dashboard.series_handoff_rate"), days.map((row) => asPercent(row.handoff_rate)), COLORS.handoffRate),
        line(t("dashboard.series_fallback_rate"), days.map((row) => asPercent(row.fallback_rate)), COLORS.fallback),
      ],
    },
    options: { scales: { y: { beginAtZero: true, suggestedMax: 100 } } },
  });
  drawChart("times", {
    type: "line",
    data: {
      labels,
      datasets: [
        line(t("dashboard.series_wait"), days.map((row) => row.mean_wait_s), COLORS.wait),
        line(t("dashboard.series_first_response"), days.map((row) => row.mean_first_response_s), COLORS.firstResponse),
        line(t("dashboard.series_handling"), days.map((row) => row.mean_handling_s), COLORS.handling),
      ],
    },
    options: { scales: { y: { beginAtZero: true } } },
  });
  drawChart("reasons", {
    type: "bar",
    data: {
      labels: REASONS.map(([, label]) => label()),
      datasets: [{ label: t("dashboard.handoffs"), data: REASONS.map(([key]) => total[key]), backgroundColor: REASONS.map(([, , color]) => color) }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function render() {
  if (!report) return;
  const { days, total } = selectedRows();
  const language = ui.language.selectedOptions[0].textContent;
  // ISO days keep their order inside right-to-left text: each is isolated left to right (LRI … PDI).
  const day = (iso) => `\u2066${iso}\u2069`;
  ui.range.textContent = t("dashboard.range", { from: day(report.from), to: day(report.to), language: language.toLocaleLowerCase(currentLanguage()) });
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
  rateHeading.after(...REASONS.map(([, label]) => el("th", label(), { scope: "col" })));
  reasonHeadings = [...REASONS.map((_, index) => rateHeading.parentNode.children[rateHeading.cellIndex + 1 + index])];
}

/** The table's reason columns (built here, so relabelled here when the language changes). */
let reasonHeadings = [];

function start() {
  buildControls();
  onLanguageChange(() => {
    reasonHeadings.forEach((heading, index) => {
      heading.textContent = REASONS[index][1]();
    });
    customerData.relabel();
    render();
  });
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
