// Times, durations and percentages as agents read them, in the page's
// language (i18n.js): its digits, and its date formats where the browser has
// them (else the 24-hour "dd.mm" form, as for Armenian in Chromium).

import { currentLanguage, dateFormatter, formatNumber, onLanguageChange, t } from "./i18n.js";

/** English dates as the console always showed them (day before month, 24-hour clock). */
const ENGLISH_DATES = "en-GB";
let formatters = null;

function makeFormatters() {
  const language = currentLanguage();
  const make = (options) => (language === "en" ? new Intl.DateTimeFormat(ENGLISH_DATES, options) : dateFormatter(options));
  return {
    clock: make({ hour: "2-digit", minute: "2-digit" }),
    dayAndClock: make({ day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }),
    fullDate: make({ dateStyle: "medium", timeStyle: "short" }),
  };
}

function current() {
  formatters = formatters || makeFormatters();
  return formatters;
}

onLanguageChange(() => {
  formatters = null;
});

/** A Date from Unix seconds (the protocol's `ts`) or an ISO string; null if neither. */
export function toDate(value) {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === "string" && value) {
    const numeric = Number(value);
    const date = Number.isFinite(numeric) ? new Date(numeric * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/** "14:05" today, "3 Mar, 14:05" on other days. */
export function formatTime(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return "";
  return date.toDateString() === now.toDateString() ? current().clock.format(date) : current().dayAndClock.format(date);
}

/** "3 Mar 2025, 14:05". */
export function formatDateTime(value) {
  const date = toDate(value);
  return date ? current().fullDate.format(date) : "";
}

/** "45s", "3m 05s", "1h 02m" (in the page's language and digits). */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const two = (value) => formatNumber(value, { minimumIntegerDigits: 2 });
  if (hours) return t("duration.hours_minutes", { hours, minutes: two(minutes) });
  if (minutes) return t("duration.minutes_seconds", { minutes, seconds: two(secs) });
  return t("duration.seconds", { seconds: secs });
}

/** A confidence of 0..1 as "87%" (values above 1 are taken as percentages already). */
export function formatConfidence(confidence) {
  const value = Number(confidence);
  if (!Number.isFinite(value)) return "";
  return formatNumber(Math.round(value > 1 ? value : value * 100) / 100, { style: "percent" });
}
