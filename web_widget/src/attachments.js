// Attachments: images and PDFs a customer sends while a person from the team
// has the chat, and those an agent sends back. What may be sent, the upload
// (`POST {base}api/attachments`, multipart), its answers, and both shapes
// an attachment arrives in (a transcript entry's `extra.attachment`, or
// `bot_uttered`'s Rasa-style `attachment: {type, payload}`), each turned into
// one record whose URLs are absolute and on the widget's own server.
// `server` everywhere here is the gateway's base URL (./server.js).

import { resolveOnServer, serverUrl } from "./server.js";

/** What the file picker offers; the server decides by the file's bytes. */
export const ACCEPTED_TYPES = Object.freeze(["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]);
/** The server's limit (a quick check here gives a clear message before the upload). */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** Relative to the gateway's base URL. */
export const UPLOAD_PATH = "api/attachments";

export const AttachmentKind = Object.freeze({ IMAGE: "image", FILE: "file" });

/** The server's refusals (`{"error": code}`) the customer is told about in their own words. */
export const UploadError = Object.freeze({
  TOO_LARGE: "too_large",
  TYPE_NOT_ALLOWED: "type_not_allowed",
  NOT_WITH_A_PERSON: "not_with_a_person",
  FAILED: "failed", // anything else: not connected, no session, rate limited, server trouble
});

/** The locale key telling the customer why an attachment was not sent. */
export const UPLOAD_ERROR_KEYS = Object.freeze({
  [UploadError.TOO_LARGE]: "attachment_too_large",
  [UploadError.TYPE_NOT_ALLOWED]: "attachment_type_not_allowed",
  [UploadError.NOT_WITH_A_PERSON]: "attachment_only_with_person",
  [UploadError.FAILED]: "attachment_failed",
});

function asString(value) {
  return typeof value === "string" ? value : "";
}

/** `{kind, name, size, mime, url, thumbUrl}` with URLs on `server`, or null. */
function record(kind, fields, server) {
  const url = resolveOnServer(fields.url, server);
  if (!url) return null;
  const size = Number.isInteger(fields.size) && fields.size >= 0 ? fields.size : null;
  const thumbUrl = kind === AttachmentKind.IMAGE ? resolveOnServer(fields.thumb, server) : null;
  return { kind, name: asString(fields.name), size, mime: asString(fields.mime), url, thumbUrl };
}

/** A transcript entry's `extra.attachment`: `{id, kind: "image"|"pdf", mime, name, size, url, thumb_url}`. */
function fromEntry(attachment, server) {
  const kind = attachment.kind === "image" ? AttachmentKind.IMAGE : AttachmentKind.FILE;
  return record(kind, { ...attachment, thumb: attachment.thumb_url }, server);
}

/** `bot_uttered`'s `attachment: {type: "image"|"file", payload: {src, thumb, name, size, mime}}`. */
function fromRasa(attachment, server) {
  if (!attachment.payload || typeof attachment.payload !== "object") return null;
  const kind = attachment.type === "image" ? AttachmentKind.IMAGE : attachment.type === "file" ? AttachmentKind.FILE : null;
  if (!kind) return null;
  return record(kind, { ...attachment.payload, url: attachment.payload.src }, server);
}

/**
 * The attachment of a `bot_uttered` payload or an entry's `extra` (`source`)
 * as a record, or null: none, an unknown shape, or a URL off `server`.
 */
export function parseAttachment(source, server) {
  const attachment = source && source.attachment;
  if (!attachment || typeof attachment !== "object" || !server) return null;
  return "payload" in attachment ? fromRasa(attachment, server) : fromEntry(attachment, server);
}

/** An UploadError the server would answer for `file`, known before sending it; null when only the server can tell. */
export function precheckFile(file) {
  if (file.size > MAX_ATTACHMENT_BYTES) return UploadError.TOO_LARGE;
  // The browser names the type from the file's name; an empty one is for the server to judge.
  if (file.type && !ACCEPTED_TYPES.includes(file.type)) return UploadError.TYPE_NOT_ALLOWED;
  return null;
}

const ERRORS_BY_CODE = {
  too_large: UploadError.TOO_LARGE,
  type_not_allowed: UploadError.TYPE_NOT_ALLOWED,
  not_with_a_person: UploadError.NOT_WITH_A_PERSON,
};

/** The UploadError for an answer's status and `{"error": code}` body. */
export function uploadErrorOf(status, body) {
  const code = body && typeof body.error === "string" ? body.error : "";
  if (ERRORS_BY_CODE[code]) return ERRORS_BY_CODE[code];
  if (status === 413) return UploadError.TOO_LARGE;
  if (status === 415) return UploadError.TYPE_NOT_ALLOWED;
  return UploadError.FAILED;
}

/**
 * Upload `file` for the session `sessionId` to `server`. Resolves to
 * `{entry}` (the stored transcript entry) or `{error}` (an UploadError);
 * never rejects. No custom headers, so the browser sends no preflight.
 */
export async function uploadAttachment(server, sessionId, file, fetchImpl = fetch) {
  const body = new FormData();
  body.append("session_id", sessionId);
  body.append("file", file, file.name);
  let response;
  try {
    response = await fetchImpl(serverUrl(UPLOAD_PATH, server), { method: "POST", body, credentials: "omit", mode: "cors" });
  } catch (error) {
    return { error: UploadError.FAILED };
  }
  const answer = await response.json().catch(() => null);
  if (response.status === 201 && answer && answer.entry && typeof answer.entry === "object") return { entry: answer.entry };
  return { error: uploadErrorOf(response.status, answer) };
}

/** `bytes` as a locale key and number: `["file_size_kb", 340]`, `["file_size_mb", 1.2]`. */
export function fileSize(bytes) {
  if (bytes >= 1024 * 1024) return ["file_size_mb", Math.round((bytes / (1024 * 1024)) * 10) / 10];
  return ["file_size_kb", Math.max(1, Math.round(bytes / 1024))];
}
