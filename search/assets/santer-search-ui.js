/* The /cari/ page: runs ?q= on load, searches as you type, renders ranked service links into
 * [data-search-results] and marks it data-search-state="done" (CONTRACTS.md), with filters
 * by category and OPD and help when nothing matched. */
(function () {
  "use strict";
  var results = document.querySelector("[data-search-results]");
  if (!results || !window.SanterSearch) return;
  var S = window.SanterSearch;
  var BASE = window.SANTER_SEARCH_BASE;
  var SHOWN = 10; // results per page; "Tampilkan lebih banyak" adds as many
  var POOL = 60; // results a filter chooses from (their cards load when a filter is used)
  var LAPOR = "https://www.lapor.go.id";
  var API_TIMEOUT_MS = 1500;

  var index = new S.Index(S.fetcher(BASE));
  var report = S.reporter(results);
  var reportNow = true; // the search the page opened with (?q=) is finished at once

  var inputs = Array.prototype.slice.call(document.querySelectorAll('input[name="q"]'));
  var form = document.querySelector("[data-search-form]") || (inputs[0] && inputs[0].form);
  var status = el("p", { class: "search-status", role: "status" });
  var filters = el("div", { class: "search-filters", hidden: "" });
  var help = el("div", { class: "search-help", hidden: "" });
  var more = el("button", { type: "button", class: "button search-more", hidden: "" }, ["Tampilkan lebih banyak"]);
  results.parentNode.insertBefore(status, results);
  results.parentNode.insertBefore(filters, results);
  results.parentNode.insertBefore(help, results.nextSibling);
  results.parentNode.insertBefore(more, results.nextSibling);
  more.addEventListener("click", function () {
    state.limit += SHOWN;
    ensureCards(state.limit).then(render);
  });
  results.setAttribute("aria-live", "polite");

  var state = { query: "", ranked: null, cards: [], stems: [], category: "", opd: "", limit: SHOWN };
  var generation = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Text with the words that matched the query wrapped in <mark>.
  function highlighted(text, stems) {
    var span = el("span");
    S.highlightParts(text, stems).forEach(function (part) {
      span.appendChild(part[1] ? el("mark", {}, [part[0]]) : document.createTextNode(part[0]));
    });
    return span;
  }

  function filterSelect(label, name, options, current) {
    var id = "filter-" + name;
    var select = el("select", { id: id, name: name });
    select.appendChild(el("option", { value: "" }, ["Semua"]));
    options.forEach(function (o) {
      var option = el("option", { value: o[0] }, [o[1]]);
      if (o[0] === current) option.selected = true;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      state[name] = select.value;
      state.limit = SHOWN;
      ensureCards(POOL).then(render);
    });
    return el("p", {}, [el("label", { for: id }, [label + " "]), select]);
  }

  function facets(position, names) {
    var counts = {};
    state.cards.forEach(function (card) {
      var keys = position === 2 ? [card[2]] : card[3];
      keys.forEach(function (k) { counts[k] = (counts[k] || 0) + 1; });
    });
    return Object.keys(counts).map(function (k) {
      var n = names[k];
      return n ? [n[0], n[1], counts[k]] : null;
    }).filter(Boolean).sort(function (a, b) { return a[1] < b[1] ? -1 : 1; });
  }

  function renderFilters() {
    clear(filters);
    if (state.cards.length < 2) { filters.hidden = true; return; }
    var meta = index.meta;
    filters.appendChild(filterSelect("Kategori", "category", facets(3, meta.cats), state.category));
    filters.appendChild(filterSelect("Perangkat daerah", "opd", facets(2, meta.opds), state.opd));
    filters.hidden = false;
  }

  function renderHelp(query) {
    clear(help);
    var meta = index.meta;
    var suggestion = meta && query ? index.suggest(query) : null;
    if (suggestion) {
      help.appendChild(el("p", {}, ["Apakah maksud Anda: ",
        el("a", { href: S.url("search") + "?q=" + encodeURIComponent(suggestion), "data-suggestion": "" }, [suggestion]), "?"]));
    }
    if (meta && meta.featured.length) {
      help.appendChild(el("h2", {}, ["Layanan yang paling dibutuhkan"]));
      help.appendChild(el("ul", {}, meta.featured.map(function (f) {
        return el("li", {}, [el("a", { href: S.url("service", f[0]) }, [f[1]])]);
      })));
    }
    help.appendChild(el("p", {}, ["Lihat ", el("a", { href: S.url("all_services") }, ["semua layanan A–Z"]),
      " atau sampaikan pertanyaan dan pengaduan melalui ",
      el("a", { href: LAPOR, rel: "noopener" }, ["SP4N-LAPOR!"]), "."]));
    help.hidden = false;
  }

  // Cards of the first n ranked results (static index; the API already sent its cards).
  function ensureCards(n) {
    if (!state.ranked || state.cards.length >= Math.min(n, state.ranked.length)) return Promise.resolve();
    var mine = generation;
    return index.cardsFor(state.ranked.slice(0, n).map(function (r) { return r[0]; })).then(function (cards) {
      if (mine === generation) state.cards = cards;
    });
  }

  function render() {
    var meta = index.meta;
    var opdSlug = function (card) { return card[2] >= 0 ? meta.opds[card[2]][0] : ""; };
    var matching = state.cards.filter(function (card) {
      var cats = card[3].map(function (c) { return meta.cats[c][0]; });
      return (!state.category || cats.indexOf(state.category) >= 0) && (!state.opd || opdSlug(card) === state.opd);
    });
    var shown = matching.slice(0, state.limit);
    var filtered = state.category || state.opd;
    var total = filtered ? matching.length : (state.ranked ? state.ranked.length : state.cards.length);
    clear(results);
    help.hidden = true;
    more.hidden = true;
    if (state.query && shown.length) {
      var list = el("ol", { class: "search-results" });
      shown.forEach(function (card) {
        var opd = card[2] >= 0 ? meta.opds[card[2]][1] : "";
        list.appendChild(el("li", {}, [
          el("a", { href: S.url("service", card[0]) }, [highlighted(card[1], state.stems)]),
          el("span", { class: "meta" }, [opd]),
          el("p", { class: "snippet" }, [highlighted(card[4], state.stems)])
        ]));
      });
      results.appendChild(list);
      more.hidden = total <= shown.length;
      status.textContent = total + " layanan ditemukan untuk \u201c" + state.query + "\u201d.";
      if (!filtered) report.searched(state.query, total, reportNow, shown[0][0]);
    } else if (state.query) {
      report.searched(state.query, 0, reportNow);
      status.textContent = "Tidak ada layanan yang cocok dengan \u201c" + state.query + "\u201d.";
      renderHelp(state.query);
    } else {
      status.textContent = "";
    }
    reportNow = false;
    results.setAttribute("data-search-state", "done");
  }

  // Which result was opened (its rank in the list, 1 = first), for the search report.
  results.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("ol.search-results > li > a");
    if (!link) return;
    var items = Array.prototype.slice.call(results.querySelectorAll("ol.search-results > li"));
    var match = /^\/layanan\/([a-z0-9-]+)\/$/.exec(link.getAttribute("href"));
    report.opened(items.indexOf(link.parentNode) + 1, match ? match[1] : null);
  });

  // Elasticsearch through /api/search when the build says it is there; the static index otherwise,
  // and whenever the API is slow, down or answers without Elasticsearch.
  function viaApi(query) {
    var api = index.meta.api;
    if (!api || !window.fetch || !window.AbortController) return Promise.reject(new Error("no API"));
    var controller = new AbortController();
    var timeout = setTimeout(function () { controller.abort(); }, API_TIMEOUT_MS);
    var url = api + "?size=" + POOL + "&q=" + encodeURIComponent(query);
    return fetch(url, { signal: controller.signal, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        clearTimeout(timeout);
        if (!r.ok) throw new Error("API: HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        if (data.backend !== "elasticsearch") throw new Error("API without Elasticsearch");
        var opdIndex = {}, catIndex = {};
        index.meta.opds.forEach(function (o, i) { opdIndex[o[0]] = i; });
        index.meta.cats.forEach(function (c, i) { catIndex[c[0]] = i; });
        return {
          backend: "elasticsearch",
          stems: S.words(query),
          cards: data.results.map(function (r) {
            var opd = Object.prototype.hasOwnProperty.call(opdIndex, r.opd) ? opdIndex[r.opd] : -1;
            var cats = (r.categories || []).filter(function (c) { return c in catIndex; })
              .map(function (c) { return catIndex[c]; });
            return [r.id, r.title, opd, cats, r.summary || ""];
          })
        };
      });
  }

  function viaStaticIndex(query) {
    return index.analyze(query).then(function (groups) {
      var ranked = index.pin(query, index.rank(groups));
      var stems = [];
      groups.forEach(function (g) {
        stems.push(g[0]);
        g[2].forEach(function (alt) { stems.push(alt[0], alt[1]); });
      });
      return index.cardsFor(ranked.slice(0, SHOWN).map(function (r) { return r[0]; })).then(function (cards) {
        return { backend: "static", stems: stems, cards: cards, ranked: ranked };
      });
    });
  }

  function search(query) {
    var mine = ++generation;
    query = query.trim();
    results.setAttribute("data-search-state", "loading");
    if (!query) {
      state = { query: "", ranked: null, cards: [], stems: [], category: "", opd: "", limit: SHOWN };
      return index.load().then(function () { renderFilters(); render(); });
    }
    return index.load().then(function () {
      return viaApi(query).catch(function () { return viaStaticIndex(query); });
    }).then(function (found) {
      if (mine !== generation) return;
      state = { query: query, ranked: found.ranked || null, cards: found.cards, stems: found.stems,
        category: "", opd: "", limit: SHOWN };
      results.setAttribute("data-search-backend", found.backend);
      renderFilters();
      render();
    }).catch(function (error) {
      if (mine !== generation) return;
      status.textContent = "Pencarian sedang tidak tersedia. Silakan buka daftar semua layanan A–Z.";
      state.cards = [];
      renderHelp("");
      results.setAttribute("data-search-state", "done");
      if (window.console) console.error(error);
    });
  }

  var timer = null;
  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      inputs.forEach(function (other) { if (other !== input) other.value = input.value; });
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = new URL(window.location.href);
        url.searchParams.set("q", input.value);
        window.history.replaceState(null, "", url);
        search(input.value);
      }, 120);
    });
  });
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector('input[name="q"]');
      clearTimeout(timer);
      search(input ? input.value : "");
    });
  }

  // For benchmarks/search.py: time a search and its rendering from a script; reset() forgets
  // the index files parsed so far (the browser's cache keeps them).
  S.page = {
    search: search,
    reset: function () { index = new S.Index(S.fetcher(BASE)); }
  };

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  inputs.forEach(function (input) { input.value = initial; });
  search(initial);
})();
