// Follows the log live: streams /follow (everything appended after what the page
// shows) and appends it to the <pre> as text, never as HTML. Reconnects from where
// it stopped if the stream breaks.
"use strict";
(function () {
  const MAX_CHARS = 1000000; // keep the page light: drop the oldest text beyond this
  const TRUNCATED = "==> File truncated <==\n";
  const pre = document.getElementById("tail");
  const live = document.getElementById("live");
  if (!pre || !pre.dataset.follow) return;

  const url = new URL(pre.dataset.follow, document.baseURI);
  url.username = "";
  url.password = "";
  let offset = Number(url.searchParams.get("offset") || "0");

  function status(text) {
    if (live) live.textContent = text;
  }

  function append(text) {
    if (!text) return;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(text);
    if (pre.textContent.length > MAX_CHARS) {
      pre.textContent = pre.textContent.slice(-MAX_CHARS);
    }
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  async function follow() {
    url.searchParams.set("offset", String(offset));
    const resp = await fetch(url, { cache: "no-store" });
    if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
    status("following live");
    const reader = resp.body.getReader();
    const decoder = new TextDecoder("utf-8");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      offset += value.length;
      const text = decoder.decode(value, { stream: true });
      // After a truncation the file starts over: count from the marker on.
      const cut = text.lastIndexOf(TRUNCATED);
      if (cut >= 0) {
        offset = new TextEncoder().encode(text.slice(cut + TRUNCATED.length)).length;
      }
      append(text);
    }
    append(decoder.decode());
  }

  async function run() {
    pre.scrollTop = pre.scrollHeight;
    for (;;) {
      try {
        await follow();
        status("stream ended, reconnecting");
      } catch (e) {
        status("disconnected (" + e.message + "), retrying");
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  run();
})();
