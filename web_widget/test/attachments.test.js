import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_ATTACHMENT_BYTES,
  UploadError,
  fileSize,
  parseAttachment,
  precheckFile,
  uploadAttachment,
  uploadErrorOf,
} from "../src/attachments.js";
import { messageFromBotUttered, messageFromHistoryEntry } from "../src/protocol.js";
import { createTranscript } from "../src/transcript.js";

const SERVER = "https://support.example.com";
const PATH = "/attachments/a1?c=conv&s=sig";

test("a transcript entry's attachment becomes a record", () => {
  const extra = {
    attachment: { id: "a1", kind: "image", mime: "image/png", name: "broken.png", size: 2048, url: PATH, thumb_url: "/attachments/a1/thumb?c=conv&s=sig" },
  };
  assert.deepEqual(parseAttachment(extra, SERVER), {
    kind: "image",
    name: "broken.png",
    size: 2048,
    mime: "image/png",
    url: `${SERVER}${PATH}`,
    thumbUrl: `${SERVER}/attachments/a1/thumb?c=conv&s=sig`,
  });
  const pdf = parseAttachment({ attachment: { id: "a2", kind: "pdf", mime: "application/pdf", name: "invoice.pdf", size: 10, url: PATH, thumb_url: null } }, SERVER);
  assert.equal(pdf.kind, "file");
  assert.equal(pdf.thumbUrl, null);
  // Off the server: nothing at all.
  assert.equal(parseAttachment({ attachment: { ...extra.attachment, url: "https://evil.example/x.png" } }, SERVER), null);
  assert.equal(parseAttachment({}, SERVER), null);
  assert.equal(parseAttachment(extra, ""), null);
});

test("an agent's attachment in bot_uttered (Rasa's shape, with file for PDFs) becomes the message's attachment", () => {
  const image = messageFromBotUttered(
    {
      text: "label.png",
      attachment: { type: "image", payload: { src: PATH, thumb: "/attachments/a1/thumb?c=conv&s=sig", name: "label.png", size: 5000, mime: "image/png" } },
      metadata: { sender: "agent", agent_name: "Anna", seq: 9, language: "en" },
    },
    SERVER,
  );
  assert.equal(image.sender, "agent");
  assert.equal(image.seq, 9);
  assert.equal(image.image, null);
  assert.deepEqual(image.attachment, {
    kind: "image",
    name: "label.png",
    size: 5000,
    mime: "image/png",
    url: `${SERVER}${PATH}`,
    thumbUrl: `${SERVER}/attachments/a1/thumb?c=conv&s=sig`,
  });
  const pdf = messageFromBotUttered(
    { text: "invoice.pdf", attachment: { type: "file", payload: { src: PATH, thumb: null, name: "invoice.pdf", size: 1_500_000, mime: "application/pdf" } }, metadata: { sender: "agent", seq: 10 } },
    SERVER,
  );
  assert.equal(pdf.attachment.kind, "file");
  assert.equal(pdf.attachment.name, "invoice.pdf");
  assert.equal(pdf.attachment.thumbUrl, null);
  // An agent's picture from elsewhere is neither an attachment nor an image.
  const elsewhere = messageFromBotUttered({ text: "x", attachment: { type: "image", payload: { src: "https://evil.example/x.png" } }, metadata: { sender: "agent" } }, SERVER);
  assert.equal(elsewhere.attachment, null);
  assert.equal(elsewhere.image, null);
  // The assistant's own pictures (Rasa's image responses) still show, from anywhere.
  const fromBot = messageFromBotUttered({ attachment: { type: "image", payload: { src: "https://cdn.example/map.png" } }, metadata: { sender: "bot" } }, SERVER);
  assert.equal(fromBot.image, "https://cdn.example/map.png");
  assert.equal(fromBot.attachment, null);
  assert.equal(messageFromBotUttered({ text: "hi", attachment: { type: "video", payload: { src: PATH } }, metadata: { sender: "agent" } }, SERVER).attachment, null);
});

test("history entries with attachments keep them, customer's and agent's alike", () => {
  const entry = {
    seq: 4,
    sender: "customer",
    text: "photo.png",
    ts: 100,
    language: "fa",
    client_message_id: null,
    extra: { attachment: { id: "a1", kind: "image", mime: "image/png", name: "photo.png", size: 70, url: PATH, thumb_url: PATH } },
  };
  const message = messageFromHistoryEntry(entry, SERVER);
  assert.equal(message.attachment.name, "photo.png");
  assert.equal(message.attachment.url, `${SERVER}${PATH}`);
  assert.equal(message.clientMessageId, null);
  const agent = messageFromHistoryEntry({ ...entry, seq: 5, sender: "agent", extra: { ...entry.extra, agent_name: "Anna" } }, SERVER);
  assert.equal(agent.agentName, "Anna");
  assert.equal(agent.attachment.kind, "image");
});

test("an uploaded entry and the same entry replayed in history are shown once", () => {
  const transcript = createTranscript();
  transcript.addPending({ clientMessageId: "upload-1", text: "photo.png", display: "Sending photo.png…", ts: 1, upload: true });
  assert.equal(transcript.ordered().length, 1);
  transcript.remove("upload-1");
  const entry = { seq: 4, sender: "customer", text: "photo.png", ts: 100, extra: { attachment: { kind: "image", name: "photo.png", url: PATH } } };
  assert.equal(transcript.addIncoming(messageFromHistoryEntry(entry, SERVER)), true);
  assert.equal(transcript.addIncoming(messageFromHistoryEntry(entry, SERVER)), false);
  assert.deepEqual(
    transcript.ordered().map((m) => [m.seq, m.attachment && m.attachment.name]),
    [[4, "photo.png"]],
  );
});

test("files the server would refuse are caught before the upload, when the browser can tell", () => {
  assert.equal(precheckFile({ size: 10, type: "image/png" }), null);
  assert.equal(precheckFile({ size: 10, type: "application/pdf" }), null);
  assert.equal(precheckFile({ size: 10, type: "" }), null); // the server reads the bytes
  assert.equal(precheckFile({ size: MAX_ATTACHMENT_BYTES + 1, type: "image/png" }), UploadError.TOO_LARGE);
  assert.equal(precheckFile({ size: 10, type: "image/svg+xml" }), UploadError.TYPE_NOT_ALLOWED);
  assert.equal(precheckFile({ size: 10, type: "text/html" }), UploadError.TYPE_NOT_ALLOWED);
});

test("the server's answers become what the customer is told", () => {
  assert.equal(uploadErrorOf(413, { error: "too_large" }), UploadError.TOO_LARGE);
  assert.equal(uploadErrorOf(413, null), UploadError.TOO_LARGE); // a proxy's own 413
  assert.equal(uploadErrorOf(415, { error: "type_not_allowed" }), UploadError.TYPE_NOT_ALLOWED);
  assert.equal(uploadErrorOf(409, { error: "not_with_a_person" }), UploadError.NOT_WITH_A_PERSON);
  for (const [status, code] of [[400, "malformed"], [403, "unknown_session"], [429, "rate_limited"], [503, "service_unavailable"], [500, undefined]]) {
    assert.equal(uploadErrorOf(status, code ? { error: code } : null), UploadError.FAILED, String(status));
  }
});

test("the upload is a plain multipart POST to the server, without custom headers", async () => {
  const calls = [];
  const entry = { seq: 3, sender: "customer", text: "a.png", extra: {} };
  const answer = (status, body) => async (url, options) => {
    calls.push({ url, options });
    return { status, json: async () => body };
  };
  const file = new File([new Uint8Array([137, 80, 78, 71])], "a.png", { type: "image/png" });
  assert.deepEqual(await uploadAttachment(`${SERVER}/`, "signed.session", file, answer(201, { entry })), { entry });
  const { url, options } = calls[0];
  assert.equal(url, `${SERVER}/api/attachments`);
  assert.equal(options.method, "POST");
  assert.equal(options.headers, undefined);
  assert.equal(options.body.get("session_id"), "signed.session");
  assert.equal(options.body.get("file").name, "a.png");
  assert.deepEqual(await uploadAttachment(SERVER, "s", file, answer(415, { error: "type_not_allowed" })), { error: UploadError.TYPE_NOT_ALLOWED });
  assert.deepEqual(await uploadAttachment(SERVER, "s", file, answer(201, {})), { error: UploadError.FAILED });
  const offline = async () => {
    throw new TypeError("Failed to fetch");
  };
  assert.deepEqual(await uploadAttachment(SERVER, "s", file, offline), { error: UploadError.FAILED });
});

test("under a path prefix, the upload and the attachment links stay under it", async () => {
  const base = "https://shop.example/support/";
  const calls = [];
  const fetchImpl = async (url) => {
    calls.push(url);
    return { status: 201, json: async () => ({ entry: { seq: 1 } }) };
  };
  await uploadAttachment(base, "s", new File(["x"], "a.png", { type: "image/png" }), fetchImpl);
  assert.deepEqual(calls, ["https://shop.example/support/api/attachments"]);
  const record = parseAttachment({ attachment: { kind: "image", name: "a.png", url: PATH, thumb_url: "/attachments/a1/thumb?c=conv&s=sig" } }, base);
  assert.equal(record.url, `https://shop.example/support${PATH}`);
  assert.equal(record.thumbUrl, "https://shop.example/support/attachments/a1/thumb?c=conv&s=sig");
  assert.equal(parseAttachment({ attachment: { kind: "image", url: "//evil.example/attachments/a1" } }, base), null);
});

test("file sizes are said in KB or MB", () => {
  assert.deepEqual(fileSize(0), ["file_size_kb", 1]);
  assert.deepEqual(fileSize(340 * 1024), ["file_size_kb", 340]);
  assert.deepEqual(fileSize(1.25 * 1024 * 1024), ["file_size_mb", 1.3]);
});
