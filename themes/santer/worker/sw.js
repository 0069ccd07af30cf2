/* Santer's service worker: the portal keeps working on a phone without signal.
 *
 * The builder puts VERSION (changes when the theme's assets do), PRECACHE, OFFLINE_URL and
 * what it needs of the URL scheme (SEARCH_ROOT; HASHED, INDEX_FILE and NEVER: patterns of
 * site_builder/pwa.py) before this text and serves it at /sw.js with Cache-Control: no-cache.
 * - hashed assets (theme, search scripts, search index files): cache-first, cached as used;
 * - pages: network-first with a short timeout; else the saved copy, marked with when it was
 *   saved; else the offline page;
 * - never the CMS, the API, or anything on another origin (the agency apps' deep links).
 */
/* global VERSION, PRECACHE, OFFLINE_URL, SEARCH_ROOT, HASHED, INDEX_FILE, NEVER */
var PREFIX = "santer-";
var STATIC = PREFIX + VERSION + "-static";
var PAGES = PREFIX + VERSION + "-pages";
var SEARCH = PREFIX + VERSION + "-search";
var TIMEOUT_MS = 3000;
var SAVED = "X-Santer-Saved";
var SEARCH_DIGESTS = "/_sw/search-digests"; // the few index versions kept, newest first
var KEEP_DIGESTS = 2;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC).then(function (cache) {
      return cache.addAll(PRECACHE);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  var current = [STATIC, PAGES, SEARCH];
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && current.indexOf(name) < 0;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function handled(url) {
  return url.origin === self.location.origin && !NEVER.test(url.pathname) && url.pathname !== "/sw.js";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (!handled(url)) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (INDEX_FILE.test(url.pathname) || HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request, url));
  } else {
    event.respondWith(networkFirst(request, url.pathname.indexOf(SEARCH_ROOT) === 0 ? SEARCH : STATIC));
  }
});

// The page that registered this worker was loaded before it could see the requests:
// it sends their URLs once the worker is active, so that page works offline too.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(Promise.all(data.urls.slice(0, 100).map(function (href) {
    var url = new URL(href, self.location.origin);
    if (!handled(url)) return null;
    if (href === data.page) {
      return fetch(url.href, { credentials: "same-origin" }).then(function (response) {
        return savePage(url, response);
      }).catch(function () {});
    }
    if (INDEX_FILE.test(url.pathname) || HASHED.test(url.pathname)) {
      return cacheFirst(new Request(url.href), url).catch(function () {});
    }
    return null;
  })));
});

function pageKey(url) {
  // A page is the same whatever its query: /cari/?q=ktp runs its search from the saved /cari/.
  return url.origin + url.pathname;
}

function savePage(url, response) {
  if (!response || !response.ok || response.type !== "basic") return Promise.resolve();
  var type = response.headers.get("Content-Type") || "";
  if (type.indexOf("text/html") !== 0) return Promise.resolve();
  return response.text().then(function (body) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
    headers.set(SAVED, new Date().toISOString());
    return caches.open(PAGES).then(function (cache) {
      return cache.put(pageKey(url), new Response(body, { status: 200, headers: headers }));
    });
  });
}

function savedCopy(url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(pageKey(url));
  }).then(function (saved) {
    if (!saved) return null;
    var when = saved.headers.get(SAVED);
    return saved.text().then(function (body) {
      var note = '<p class="notice offline-note" role="status" data-offline-saved="' + when + '">' +
        "Anda sedang tidak tersambung ke internet. Halaman ini disimpan di perangkat Anda pada " +
        formatTime(when) + "; isinya mungkin sudah berubah sejak itu.</p>";
      var headers = new Headers(saved.headers);
      headers.delete(SAVED);
      return new Response(body.replace('<main id="isi" class="wrap">', function (main) {
        return main + note;
      }), { status: 200, headers: headers });
    });
  });
}

function formatTime(iso) {
  try {
    return new Intl.DateTimeFormat("id-ID", { dateStyle: "long", timeStyle: "short" }).format(new Date(iso));
  } catch (e) {
    return iso;
  }
}

function offlinePage() {
  return caches.match(OFFLINE_URL).then(function (response) {
    return response || new Response("Anda sedang tidak tersambung ke internet.", {
      status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" }
    });
  });
}

function page(request, url) {
  var network = fetch(request).then(function (response) {
    // Kept for later; the answer does not wait for the cache.
    savePage(url, response.clone()).catch(function () {});
    return response;
  });
  var timedOut = new Promise(function (resolve) {
    setTimeout(resolve, TIMEOUT_MS, "timeout");
  });
  return Promise.race([network.catch(function () { return "failed"; }), timedOut]).then(function (first) {
    if (first instanceof Response) return first;
    return savedCopy(url).then(function (saved) {
      if (saved) return saved;
      if (first === "timeout") return network.catch(offlinePage); // nothing saved: keep waiting
      return offlinePage();
    });
  });
}

function cacheFirst(request, url) {
  var match = INDEX_FILE.exec(url.pathname);
  var name = match || url.pathname.indexOf(SEARCH_ROOT) === 0 ? SEARCH : STATIC;
  return caches.open(name).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") {
          var kept = cache.put(request, response.clone());
          if (match) kept.then(function () { return noteDigest(cache, match[1]); }).catch(function () {});
        }
        return response;
      });
    });
  });
}

// Each publish writes the search index under a new digest: keep the newest few, drop the rest.
function noteDigest(cache, digest) {
  return cache.match(SEARCH_DIGESTS).then(function (r) {
    return r ? r.json() : [];
  }).then(function (digests) {
    if (digests[0] === digest) return null;
    digests = [digest].concat(digests.filter(function (d) { return d !== digest; }));
    var dropped = digests.slice(KEEP_DIGESTS);
    return cache.put(SEARCH_DIGESTS, new Response(JSON.stringify(digests.slice(0, KEEP_DIGESTS)))).then(function () {
      if (!dropped.length) return null;
      return cache.keys().then(function (requests) {
        return Promise.all(requests.filter(function (r) {
          var m = INDEX_FILE.exec(new URL(r.url).pathname);
          return m && dropped.indexOf(m[1]) >= 0;
        }).map(function (r) { return cache.delete(r); }));
      });
    });
  });
}

function networkFirst(request, name) {
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") {
      var copy = response.clone();
      caches.open(name).then(function (cache) { return cache.put(request, copy); }).catch(function () {});
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      if (hit) return hit;
      throw new TypeError("offline");
    });
  });
}
