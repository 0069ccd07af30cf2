/* Every page: the service worker (offline use) and the requirement checklist kept on this device. */
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
