// Times, durations and percentages as agents read them. The UI is English, so
// numbers are formatted in English whatever the browser's language.

const LOCALE = "en-GB";
const clock = new Intl.DateTimeFormat(LOCALE, { hour: "2-digit", minute: "2-digit" });
const dayAndClock = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const fullDate = new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeStyle: "short" });

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
  return date.toDateString() === now.toDateString() ? clock.format(date) : dayAndClock.format(date);
}

/** "3 Mar 2025, 14:05". */
export function formatDateTime(value) {
  const date = toDate(value);
  return date ? fullDate.format(date) : "";
}

/** "45s", "3m 05s", "1h 02m". */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes) return `${minutes}m ${String(secs).padStart(2, "0")}s`;
  return `${secs}s`;
}

/** A confidence of 0..1 as "87%" (values above 1 are taken as percentages already). */
export function formatConfidence(confidence) {
  const value = Number(confidence);
  if (!Number.isFinite(value)) return "";
  return `${Math.round(value > 1 ? value : value * 100)}%`;
}
