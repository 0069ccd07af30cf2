/* Every page: the service worker (offline use), the requirement checklist kept on this device and
   the "Apakah informasi ini membantu?" form sent in place. */
(function () {
  "use strict";

  // Ticks of "Persyaratan" stay in this browser only (localStorage), by requirement text.
  var list = document.querySelector("[data-checklist]");
  if (list) {
    var key = "santer:persyaratan:" + list.getAttribute("data-checklist");
    var boxes = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    var label = function (box) { return box.parentNode.textContent.trim(); };
    var ticked = [];
    try { ticked = JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { ticked = []; }
    boxes.forEach(function (box) {
      if (ticked.indexOf(label(box)) >= 0) box.checked = true;
      box.addEventListener("change", function () {
        var now = boxes.filter(function (b) { return b.checked; }).map(label);
        try {
          if (now.length) window.localStorage.setItem(key, JSON.stringify(now));
          else window.localStorage.removeItem(key);
        } catch (e) { /* private mode or full: the ticks just are not kept */ }
      });
    });
  }

  // The feedback form posts itself without JavaScript (then back to this page at its thank-you
  // note, shown by CSS :target); here it is sent in
  // place and answered with 204, or with the endpoint's reason in Indonesian.
  var feedback = document.querySelector("form[data-feedback]");
  if (feedback && window.fetch && window.URLSearchParams) {
    var status = feedback.querySelector("[data-feedback-status]");
    var pressed = null;
    feedback.addEventListener("click", function (event) {
      if (event.target.name === "helpful") pressed = event.target;
    });
    feedback.addEventListener("submit", function (event) {
      var button = event.submitter || pressed;
      if (!button || button.name !== "helpful") return;
      event.preventDefault();
      var fields = new URLSearchParams();
      Array.prototype.forEach.call(feedback.elements, function (field) {
        if (field.name && field.name !== "helpful" && field.tagName !== "BUTTON") fields.append(field.name, field.value);
      });
      fields.append("helpful", button.value);
      var buttons = feedback.querySelectorAll("button");
      var busy = function (on) { Array.prototype.forEach.call(buttons, function (b) { b.disabled = on; }); };
      busy(true);
      status.textContent = "Mengirim…";
      fetch(feedback.action, {
        method: "POST",
        body: fields,
        credentials: "omit",
        headers: { Accept: "application/json" },
      }).then(function (response) {
        if (response.ok) {
          var thanks = feedback.parentNode.querySelector("[data-feedback-thanks]");
          feedback.parentNode.removeChild(feedback);
          thanks.classList.add("shown");
          thanks.focus();
          return;
        }
        return response.json().then(function (body) {
          status.textContent = body.error || "Masukan belum terkirim; coba lagi.";
        }, function () {
          status.textContent = "Masukan belum terkirim (HTTP " + response.status + "); coba lagi.";
        }).then(function () { busy(false); });
      }, function () {
        status.textContent = "Masukan belum terkirim: periksa sambungan internet Anda, lalu coba lagi.";
        busy(false);
      });
    });
  }

  if (!("serviceWorker" in navigator)) return;
  var worker = navigator.serviceWorker;
  var sendLoaded = function () {
    // This page loaded before the worker could see it: ask it to keep what the page used.
    if (!worker.controller) return;
    var urls = [location.href];
    (performance.getEntriesByType ? performance.getEntriesByType("resource") : []).forEach(function (entry) {
      if (entry.name.indexOf(location.origin + "/") === 0) urls.push(entry.name);
    });
    worker.controller.postMessage({ type: "cache", page: location.href, urls: urls });
  };
  var fresh = !worker.controller;
  window.addEventListener("load", function () {
    worker.register("/sw.js").catch(function () { /* no offline use; the page works as it is */ });
    if (fresh) {
      worker.addEventListener("controllerchange", function () {
        sendLoaded();
        // What the search page fetched before the worker took over.
        setTimeout(sendLoaded, 1500);
      });
    }
  });
})();
