// The office inbox, live: poll a small JSON endpoint and, when something moved, swap in the
// fresh list or thread from the same page (no reload, the reply being typed stays).
// Also fills the reply box from the chosen saved reply.
(function () {
  "use strict";
  var POLL_MS = 10000;

  function swapFrom(html, selector) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector(selector);
    var current = document.querySelector(selector);
    if (fresh && current) current.innerHTML = fresh.innerHTML;
    var freshCount = doc.querySelector("#inbox-link");
    var count = document.querySelector("#inbox-link");
    if (freshCount && count) count.innerHTML = freshCount.innerHTML;
    return doc;
  }

  function live(root) {
    var url = root.getAttribute("data-live-url");
    var region = root.getAttribute("data-live-region");
    var key = root.hasAttribute("data-live-stamp") ? "stamp" : "latest";
    var attribute = key === "stamp" ? "data-live-stamp" : "data-live-latest";
    var busy = false;
    function tick() {
      if (busy || document.hidden) return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || String(data[key]) === root.getAttribute(attribute)) return null;
          return fetch(window.location.href, { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.text() : null; })
            .then(function (html) {
              if (!html) return;
              swapFrom(html, region);
              root.setAttribute(attribute, String(data[key]));
              root.dispatchEvent(new CustomEvent("inbox:updated"));
            });
        })
        .catch(function () { /* offline for a moment: try again next tick */ })
        .then(function () { busy = false; });
    }
    window.setInterval(tick, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-live-url]");
    if (root) live(root);
    var saved = document.getElementById("saved-reply");
    if (saved) {
      saved.addEventListener("change", function () {
        var box = document.querySelector(saved.getAttribute("data-target"));
        if (box && saved.value) { box.value = saved.value; box.focus(); }
      });
    }
  });
})();
