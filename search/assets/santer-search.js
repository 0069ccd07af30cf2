/* Santer portal search: the browser twin of search/query.py (same steps, same index files).
 * The build prepends `var SANTER_SEARCH_BASE = "/_search/<hash>/";`. No inline script, no
 * other origin: everything is fetched from SANTER_SEARCH_BASE. */
(function (root) {
  "use strict";

  var SUFFIXES = ["nya", "lah", "kah", "kan", "an", "i", "in", "s"];
  var PARTICLES = ["nya", "lah", "kah", "pun"];
  var PREFIXES = [
    ["di", ""], ["ke", ""], ["se", ""], ["ter", ""], ["ber", ""], ["be", ""],
    ["meng", "k"], ["meny", "s"], ["mem", "p"], ["men", "t"], ["me", ""],
    ["peng", "k"], ["peny", "s"], ["pem", "p"], ["pen", "t"], ["per", ""], ["pe", ""],
    ["nge", ""], ["ng", ""], ["ny", "c"], ["ny", "s"], ["n", "t"]
  ];
  var MIN_VARIANT = 3;
  var VARIANT_FACTOR = 0.9;
  var TYPO_FACTORS = { 1: 0.8, 2: 0.6 };
  var MAX_TYPO_CANDIDATES = 2;
  var BIGRAM_JOIN = "_";
  var BIGRAM_WEIGHT = 2.0;
  var ALPHA = /^[a-z]+$/;
  var DATA_SUFFIX = ".json.gz"; // static_index.DATA_SUFFIX

  function fold(text) {
    return String(text).normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase();
  }

  function words(text) {
    return fold(text).match(/[a-z0-9]+/g) || [];
  }

  // A text in parts, each [part, hit]: a word (letters and digits) is a hit when it matches a
  // query term. search.analysis.highlight_parts splits and matches the same way (a parity test).
  var HIGHLIGHT_WORD = /([\p{L}\p{N}]+)/u;
  function highlightParts(text, terms) {
    return String(text).split(HIGHLIGHT_WORD).filter(function (part) { return part; }).map(function (part) {
      var folded = fold(part);
      var hit = HIGHLIGHT_WORD.test(part) && terms.some(function (t) {
        return folded === t || (t.length >= 3 && folded.indexOf(t) >= 0);
      });
      return [part, hit];
    });
  }

  function variants(word) {
    if (word.length < 4 || !ALPHA.test(word)) return [];
    var out = [];
    var stripped = [];
    SUFFIXES.forEach(function (s) {
      if (word.endsWith(s) && word.length - s.length >= MIN_VARIANT) stripped.push(word.slice(0, -s.length));
    });
    out = out.concat(stripped);
    [word].concat(stripped).forEach(function (base) {
      PREFIXES.forEach(function (p) {
        var prefix = p[0], putBack = p[1];
        if (base.startsWith(prefix) && base.length - prefix.length >= MIN_VARIANT - putBack.length) {
          var candidate = putBack + base.slice(prefix.length);
          if (candidate.length >= MIN_VARIANT) out.push(candidate);
        }
      });
    });
    var seen = [];
    out.forEach(function (c) { if (c !== word && seen.indexOf(c) < 0) seen.push(c); });
    return seen;
  }

  // FNV-1a (32 bit) of a word modulo the shard count: static_index.shard_of.
  function shardOf(key, count) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) {
      h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    }
    return h % count;
  }

  function maxTypoDistance(word) {
    if (word.length >= 8) return 2;
    return word.length >= 4 ? 1 : 0;
  }

  // Optimal-string-alignment distance (swap of neighbours costs 1), capped at limit + 1.
  function distance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var previous2 = [];
    var previous = [];
    for (var j = 0; j <= b.length; j++) previous.push(j);
    for (var i = 1; i <= a.length; i++) {
      var current = [i];
      var rowMin = i;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
          value = Math.min(value, previous2[j - 2] + 1);
        }
        current.push(value);
        rowMin = Math.min(rowMin, value);
      }
      if (rowMin > limit) return limit + 1;
      previous2 = previous;
      previous = current;
    }
    return Math.min(previous[b.length], limit + 1);
  }

  // An index file's bytes as JSON: the data files are gzip (inflated here, so any host sends
  // them compressed); meta.json, or a file a server already inflated, is plain JSON.
  function decode(bytes) {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      var inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      return new Response(inflated).text().then(JSON.parse);
    }
    return Promise.resolve(JSON.parse(new TextDecoder().decode(bytes)));
  }

  // fetchJson for the page: the index files under `base` (SANTER_SEARCH_BASE).
  function fetcher(base) {
    return function (path) {
      return fetch(base + path, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw new Error(path + ": HTTP " + r.status);
        return r.arrayBuffer();
      }).then(function (buffer) { return decode(new Uint8Array(buffer)); });
    };
  }

  /* The index: meta.json, shards t/<k>, vocabularies v/<letter> and result cards d/<n>.
   * `fetchJson(path)` returns a promise of parsed JSON (fetcher in the page, fs in the parity test). */
  function Index(fetchJson) {
    this.fetchJson = fetchJson;
    this.meta = null;
    this.shardCount = 0;
    this.stop = null;
    this.shards = {};
    this.pending = {};
    this.cards = {};
    this.vocab = {};
    this.vocabLoaded = {};
  }

  Index.prototype.load = function () {
    var self = this;
    if (!this.loading) {
      this.loading = this.fetchJson("meta.json").then(function (meta) {
        self.meta = meta;
        self.shardCount = meta.shards;
        self.stop = new Set(meta.stop);
      });
    }
    return this.loading;
  };

  Index.prototype.shardFor = function (word) {
    return shardOf(word, this.shardCount);
  };

  Index.prototype.fetchShards = function (wordList) {
    var self = this;
    var jobs = [];
    wordList.forEach(function (word) {
      var name = self.shardFor(word);
      if (self.shards[name]) return;
      if (!self.pending[name]) {
        self.pending[name] = self.fetchJson("t/" + name + DATA_SUFFIX).then(function (data) {
          self.shards[name] = data;
        });
      }
      jobs.push(self.pending[name]);
    });
    return Promise.all(jobs);
  };

  Index.prototype.shard = function (word) {
    return this.shards[this.shardFor(word)] || { f: {}, p: {} };
  };

  Index.prototype.lookup = function (form) {
    var f = this.shard(form).f;
    if (!Object.prototype.hasOwnProperty.call(f, form)) return null;
    return f[form] || form;
  };

  // BM25's idf, rounded to 6 decimals as the index builder does (Python and JS then agree exactly).
  function idf(df, n) {
    return Math.floor(Math.log(1 + (n - df + 0.5) / (df + 0.5)) * 1e6 + 0.5) / 1e6;
  }

  // [df describing, df all, (key delta, d, b)...] -> Map doc key -> d x idf describing + b x idf all
  Index.prototype.postings = function (form, stem) {
    var p = this.shard(form).p;
    var out = new Map();
    if (!Object.prototype.hasOwnProperty.call(p, stem)) return out;
    var flat = p[stem];
    var n = this.meta.n;
    var idfDescribing = idf(flat[0], n), idfAll = idf(flat[1], n);
    var doc = 0;
    for (var i = 2; i < flat.length; i += 3) {
      doc += flat[i];
      out.set(doc, flat[i + 1] * idfDescribing + flat[i + 2] * idfAll);
    }
    return out;
  };

  // Known words with the same first letter, most frequent first (v/<letter>).
  Index.prototype.fetchVocabulary = function (wordList) {
    var self = this;
    return Promise.all(wordList.map(function (word) {
      var letter = word.slice(0, 1);
      if (self.meta.vocab.indexOf(letter) < 0) return null;
      if (!self.vocab[letter]) {
        self.vocab[letter] = self.fetchJson("v/" + letter + DATA_SUFFIX).then(function (list) {
          self.vocabLoaded[letter] = list;
        });
      }
      return self.vocab[letter];
    }));
  };

  Index.prototype.typoCandidates = function (word, limit) {
    if (limit === undefined) limit = maxTypoDistance(word);
    if (limit === 0) return [];
    var found = [];
    (this.vocabLoaded[word.slice(0, 1)] || []).forEach(function (form) {
      var d = distance(word, form, limit);
      if (d <= limit) found.push([d, form]);
    });
    if (!found.length) return [];
    var best = Math.min.apply(null, found.map(function (x) { return x[0]; }));
    return found.filter(function (x) { return x[0] === best; }).slice(0, MAX_TYPO_CANDIDATES)
      .map(function (x) { return [x[1], x[0]]; });
  };

  Index.prototype.resolve = function (word) {
    var stem = this.lookup(word);
    if (stem !== null) return [[word, stem, 1.0]];
    var found = [];
    var vs = variants(word);
    for (var i = 0; i < vs.length; i++) {
      stem = this.lookup(vs[i]);
      if (stem !== null) { found.push([vs[i], stem, VARIANT_FACTOR]); break; }
    }
    var self = this;
    return found.concat(this.typoCandidates(word).map(function (c) {
      return [c[0], self.lookup(c[0]), TYPO_FACTORS[c[1]]];
    }));
  };

  // A word's weight: low for low-meaning words, also with a particle ("syaratnya").
  Index.prototype.lowWeight = function (word) {
    var low = this.meta.low;
    var has = function (w) { return Object.prototype.hasOwnProperty.call(low, w); };
    if (has(word)) return low[word];
    for (var i = 0; i < PARTICLES.length; i++) {
      var p = PARTICLES[i];
      if (word.endsWith(p) && word.length - p.length >= MIN_VARIANT) {
        var base = word.slice(0, -p.length);
        return has(base) ? low[base] : 1.0;
      }
    }
    return 1.0;
  };

  Index.prototype.queryWords = function (query) {
    var self = this;
    var coll = this.meta.coll;
    var out = [];
    words(query).forEach(function (word) {
      if (self.stop.has(word)) return;
      var weight = self.lowWeight(word);
      var rewritten = Object.prototype.hasOwnProperty.call(coll, word) ? coll[word] : [word];
      rewritten.forEach(function (r) {
        // "bikin" is rewritten to "buat": a word counts once however it was typed
        if (self.stop.has(r) || out.some(function (o) { return o[0] === r; })) return;
        out.push([r, Math.min(weight, self.lowWeight(r))]);
      });
    });
    return out;
  };

  // Groups [word, weight, [[form, stem, factor], ...]], after fetching the shards they need.
  Index.prototype.analyze = function (query) {
    var self = this;
    return this.load().then(function () {
      var qwords = self.queryWords(query);
      var plain = qwords.map(function (w) { return w[0]; });
      var unknown = [];
      return self.fetchShards(plain).then(function () {
        var extra = [];
        unknown = plain.filter(function (w) { return self.lookup(w) === null; });
        unknown.forEach(function (w) { extra = extra.concat(variants(w)); });
        return Promise.all([self.fetchShards(extra), self.fetchVocabulary(unknown)]);
      }).then(function () {
        var near = [];
        unknown.forEach(function (w) {
          self.typoCandidates(w).forEach(function (c) { near.push(c[0]); });
        });
        return self.fetchShards(near);
      }).then(function () {
        var groups = qwords.map(function (w) { return [w[0], w[1], self.resolve(w[0])]; });
        return self.fetchShards(bigrams(groups).map(function (b) { return b[0]; })).then(function () {
          return groups;
        });
      });
    });
  };

  // (index key, weight) of each pair of neighbouring query words, by their best terms.
  function bigrams(groups) {
    var out = [];
    for (var i = 0; i + 1 < groups.length; i++) {
      var a = groups[i], b = groups[i + 1];
      if (a[2].length && b[2].length) out.push([a[2][0][1] + BIGRAM_JOIN + b[2][0][1], Math.min(a[1], b[1])]);
    }
    return out;
  }

  // Ranked [[doc, score], ...] for analyzed groups: the same arithmetic as StaticSearcher.search.
  Index.prototype.rank = function (groups) {
    var self = this;
    var scores = new Map(), matched = new Map(), total = 0;
    groups.forEach(function (group) {
      var weight = group[1], alts = group[2];
      if (!alts.length) return;
      total += weight * weight;
      var best = new Map();
      alts.forEach(function (alt) {
        self.postings(alt[0], alt[1]).forEach(function (score, doc) {
          var value = score * alt[2];
          if (value > (best.get(doc) || 0.0)) best.set(doc, value);
        });
      });
      best.forEach(function (value, doc) {
        scores.set(doc, (scores.get(doc) || 0.0) + weight * value);
        matched.set(doc, (matched.get(doc) || 0.0) + weight * weight);
      });
    });
    // neighbouring query words that are neighbours in a service's describing field
    bigrams(groups).forEach(function (b) {
      self.postings(b[0], b[0]).forEach(function (score, doc) {
        if (scores.has(doc)) scores.set(doc, scores.get(doc) + BIGRAM_WEIGHT * b[1] * score);
      });
    });
    var ranked = [];
    scores.forEach(function (score, doc) {
      var ratio = matched.get(doc) / total;
      ranked.push([doc, score * (ratio * ratio)]);
    });
    ranked.sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
    return ranked;
  };

  // The editors' best bet for this query (if any, and not past its last day) on top: the same as
  // StaticSearcher.pin.
  Index.prototype.pin = function (query, ranked, today) {
    var bets = this.meta.bets || {};
    var key = words(query).join(" ");
    if (!Object.prototype.hasOwnProperty.call(bets, key)) return ranked;
    var bet = bets[key];
    today = today || new Date().toISOString().slice(0, 10);
    if (bet[1] && bet[1] < today) return ranked;
    var top = ranked.length ? ranked[0][1] : 0.0;
    var pinned = bet[0].map(function (doc, i) { return [doc, top + bet[0].length - i]; });
    return pinned.concat(ranked.filter(function (r) { return bet[0].indexOf(r[0]) < 0; }));
  };

  Index.prototype.cardsFor = function (docs) {
    var self = this;
    // a card file holds the documents whose key has the same high bits: {key: card}
    var shift = this.meta.cshift;
    var chunks = [];
    docs.forEach(function (doc) {
      var c = doc >>> shift;
      if (chunks.indexOf(c) < 0) chunks.push(c);
    });
    return Promise.all(chunks.map(function (c) {
      if (!self.cards[c]) self.cards[c] = self.fetchJson("d/" + c + DATA_SUFFIX);
      return self.cards[c];
    })).then(function () {
      return Promise.all(docs.map(function (doc) {
        return self.cards[doc >>> shift].then(function (chunk) { return chunk[String(doc)]; });
      }));
    });
  };

  Index.prototype.suggest = function (query) {
    var self = this;
    var changed = false;
    var out = words(query).map(function (word) {
      if (self.stop.has(word) || self.lookup(word) !== null || word.length < 4) return word;
      var candidates = self.typoCandidates(word, 2);
      if (candidates.length) { changed = true; return candidates[0][0]; }
      return word;
    });
    return changed ? out.join(" ") : null;
  };

  // Reports finished searches to the portal's search-report endpoint (data-search-log) with
  // navigator.sendBeacon: the query as typed (lower case, single spaces; the server scrubs and
  // truncates it), the number of results, the service id of the first result (so that the OPD
  // whose service came first sees the query even when nobody opened it) and, when one is opened,
  // its rank and service. A query still being
  // typed is not a finished search: it is sent once it has settled, or when the page is left.
  var SETTLE_MS = 2000;
  function Reporter(url) {
    this.url = url;
    this.pending = null;
    this.last = null;
    this.timer = null;
    var self = this;
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", function () {
        if (document.visibilityState === "hidden") self.flush();
      });
      window.addEventListener("pagehide", function () { self.flush(); });
    }
  }
  Reporter.prototype.send = function (data) {
    if (!this.url || !navigator.sendBeacon) return;
    // text/plain: a CORS-safelisted type, so an endpoint on another host needs no preflight
    navigator.sendBeacon(this.url, new Blob([JSON.stringify(data)], { type: "text/plain" }));
  };
  Reporter.prototype.searched = function (query, results, now, top) {
    var q = String(query).toLowerCase().replace(/\s+/g, " ").trim();
    // the same search shown again (more results, a filter) is not another search
    if (!q || (!this.pending && this.last && this.last.q === q && this.last.results === results)) return;
    var self = this;
    this.pending = { q: q, results: results };
    if (results && top) this.pending.top = top;
    clearTimeout(this.timer);
    if (now) this.flush(); else this.timer = setTimeout(function () { self.flush(); }, SETTLE_MS);
  };
  Reporter.prototype.flush = function () {
    clearTimeout(this.timer);
    if (!this.pending) return;
    this.send(this.pending);
    this.last = this.pending;
    this.pending = null;
  };
  Reporter.prototype.opened = function (rank, service) {
    this.flush();
    if (!this.last) return;
    this.send({ q: this.last.q, results: this.last.results, opened: rank, service: service || null });
  };
  function reporter(element) {
    var url = element && element.getAttribute("data-search-log");
    return new Reporter(url || "");
  }

  // A portal URL from the scheme the build hands over (SANTER_SEARCH_URLS, from catalogue/urls.py):
  // url("service", id), url("search").
  function url(kind, slug) {
    return root.SANTER_SEARCH_URLS[kind].replace("{slug}", encodeURIComponent(slug || ""));
  }

  var api = {
    fold: fold, words: words, highlightParts: highlightParts, url: url, variants: variants, distance: distance, Index: Index, decode: decode, fetcher: fetcher,
    reporter: reporter
  };
  root.SanterSearch = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
