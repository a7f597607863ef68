// Keeps the status table live: every few seconds, fetch this page again and swap in
// its table (rendered and escaped by the server). Without JavaScript the page is the
// same, just refreshed by hand.
"use strict";
(function () {
  const PERIOD_MS = 2000;
  const live = document.getElementById("live");

  // Relative to this page, without any user:password@ the address bar may carry
  // (fetch refuses URLs with credentials; the browser sends the login it has).
  function here(path) {
    const url = new URL(path, document.baseURI);
    url.username = "";
    url.password = "";
    return url;
  }

  async function update() {
    try {
      const resp = await fetch(here("index.html"), { cache: "no-store" });
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const fresh = doc.getElementById("statustable");
      const old = document.getElementById("statustable");
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
      const state = doc.getElementById("daemon-state");
      const oldState = document.getElementById("daemon-state");
      if (state && oldState) oldState.textContent = state.textContent;
      if (live) live.textContent = "live, updated " + new Date().toLocaleTimeString();
    } catch (e) {
      if (live) live.textContent = "live update failed (" + e.message + "), retrying";
    }
  }

  async function loop() {
    if (!document.hidden) await update();
    setTimeout(loop, PERIOD_MS);
  }
  setTimeout(loop, PERIOD_MS);
})();
