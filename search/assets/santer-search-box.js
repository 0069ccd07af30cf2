/* Every page but /cari/: suggestions under the header search box while typing. The engine and
 * the index load on the first keystroke only; submitting still opens /cari/?q=… (also without JS). */
(function () {
  "use strict";
  // (the index is gzip that the engine inflates: no suggestions in browsers that cannot)
  if (document.querySelector("[data-search-results]") || !window.fetch || !window.DecompressionStream) return;
  var input = document.querySelector('form[role="search"] input[name="q"]');
  if (!input) return;
  var list = document.createElement("ul");
  list.id = "saran-layanan";
  list.className = "search-suggestions";
  list.hidden = true;
  list.setAttribute("aria-label", "Saran layanan");
  // CSSOM, not a style attribute: allowed by a CSP without 'unsafe-inline'.
  var css = { position: "absolute", left: "0", right: "0", top: "100%", zIndex: "10", margin: "0",
    padding: ".25rem 0", listStyle: "none", background: "#fff", color: "#1b1b1b", border: "1px solid #50575e" };
  Object.keys(css).forEach(function (k) { list.style[k] = css[k]; });
  input.form.style.position = "relative";
  input.form.appendChild(list);
  // aria-expanded is only allowed on an input that says it is a combobox (WCAG 4.1.2).
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");

  var loading = null, index = null, timer = null, generation = 0, report = null;

  function engine() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = window.SANTER_SEARCH_ENGINE;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      }).then(function () {
        index = new window.SanterSearch.Index(window.SanterSearch.fetcher(window.SANTER_SEARCH_BASE));
        report = window.SanterSearch.reporter(input.form);
      });
    }
    return loading;
  }

  function hide() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function item(href, text) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    a.style.display = "block";
    a.style.padding = ".3rem .6rem";
    li.appendChild(a);
    return li;
  }

  function suggest(query) {
    var mine = ++generation;
    engine().then(function () { return index.analyze(query); }).then(function (groups) {
      var top = index.pin(query, index.rank(groups)).slice(0, 5).map(function (r) { return r[0]; });
      return index.cardsFor(top);
    }).then(function (cards) {
      if (mine !== generation) return;
      while (list.firstChild) list.removeChild(list.firstChild);
      cards.forEach(function (card) { list.appendChild(item(window.SanterSearch.url("service", card[0]), card[1])); });
      report.searched(query, cards.length, false, cards.length ? cards[0][0] : null);
      list.appendChild(item(window.SanterSearch.url("search") + "?q=" + encodeURIComponent(query),
        cards.length ? "Semua hasil untuk \u201c" + query + "\u201d" : "Cari \u201c" + query + "\u201d"));
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }).catch(hide);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) { generation++; hide(); return; }
    timer = setTimeout(function () { suggest(query); }, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && !list.hidden && list.querySelector("a")) {
      event.preventDefault();
      list.querySelector("a").focus();
    } else if (event.key === "Escape") {
      hide();
    }
  });
  list.addEventListener("keydown", function (event) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = at + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.focus(); else if (next < links.length) links[next].focus();
    } else if (event.key === "Escape") {
      hide();
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!input.form.contains(event.target)) hide();
  });
  // An opened suggestion is a finished search with its rank (submitting opens /cari/, which reports).
  list.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a");
    var match = link && /^\/layanan\/([a-z0-9-]+)\/$/.exec(link.getAttribute("href"));
    if (!match || !report) return;
    var links = Array.prototype.slice.call(list.querySelectorAll('a[href^="/layanan/"]'));
    report.opened(links.indexOf(link) + 1, match[1]);
  });
})();
