// Attachments in the console: pictures and PDFs in a transcript entry's
// `extra.attachment` ({id, kind: "image"|"pdf", mime, name, size, url,
// thumb_url}), shown as a thumbnail or a file chip linking to the file on
// this server (under the gateway's base: a proxy may serve it under a path),
// and what to tell the agent when their own upload is refused.

import { h } from "./dom.js";
import { gatewayHref } from "./gateway.js";
import { t } from "./i18n.js";
import { errorMessage } from "./protocol.js";

/** What the file picker offers; the server decides by the file's bytes. */
export const ACCEPTED_TYPES = Object.freeze(["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"]);

/**
 * A URL the server gave (`/attachments/<id>?...`, from the gateway's root) as
 * an absolute URL under the gateway's base (gateway.js), if it is on this
 * page's own origin; else null.
 */
export function attachmentUrl(value, origin = window.location.origin) {
  const href = gatewayHref(value);
  return href && new URL(href).origin === origin ? href : null;
}

/** An entry's attachment `{image, name, size, url, thumbUrl}` with its URLs on this server, or null. */
export function attachmentOf(entry) {
  const attachment = entry && entry.extra && typeof entry.extra === "object" ? entry.extra.attachment : null;
  if (!attachment || typeof attachment !== "object") return null;
  const url = attachmentUrl(attachment.url);
  if (!url) return null;
  const image = attachment.kind === "image";
  return {
    image,
    name: String(attachment.name || ""),
    size: Number.isInteger(attachment.size) && attachment.size >= 0 ? attachment.size : null,
    url,
    thumbUrl: image ? attachmentUrl(attachment.thumb_url) : null,
  };
}

/** "340 KB", "1.2 MB" in the page's digits. */
function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return t("attachment.size_mb", { size: Math.round((bytes / (1024 * 1024)) * 10) / 10 });
  return t("attachment.size_kb", { size: Math.max(1, Math.round(bytes / 1024)) });
}

/** A thumbnail linking to the picture, or a chip (icon, name, size) linking to the PDF; the name as text. */
export function attachmentElement(attachment) {
  const link = { href: attachment.url, target: "_blank", rel: "noopener noreferrer", referrerpolicy: "no-referrer" };
  if (attachment.image) {
    return h("a", { ...link, class: "attachment attachment--image", "data-testid": "attachment-image", title: attachment.name }, [
      h("img", { class: "attachment__thumb", src: attachment.thumbUrl || attachment.url, alt: attachment.name, loading: "lazy", referrerpolicy: "no-referrer" }),
    ]);
  }
  return h("a", { ...link, class: "attachment attachment--file", "data-testid": "attachment-file" }, [
    h("span", { class: "attachment__icon", "aria-hidden": "true" }, ["PDF"]),
    h("bdi", { class: "attachment__name" }, [attachment.name]),
    attachment.size !== null ? h("span", { class: "attachment__size" }, [sizeText(attachment.size)]) : null,
  ]);
}

const UPLOAD_ERRORS = Object.freeze({
  too_large: () => t("attachment.too_large"),
  type_not_allowed: () => t("attachment.type_not_allowed"),
  rate_limited: () => t("attachment.rate_limited"),
});

/** What to tell the agent about a refused upload (`{error, message}`, or a failure to reach the server). */
export function uploadErrorMessage(result) {
  const reason = result && UPLOAD_ERRORS[result.error] ? UPLOAD_ERRORS[result.error]() : errorMessage(result);
  return t("attachment.not_sent", { error: reason });
}
