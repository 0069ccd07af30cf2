// Runs the browser engine (search/assets/santer-search.js) in node over a built index folder:
//   node parity_runner.js INDEX_DIR QUERIES.json  ->  JSON [{q, groups, ranked}] on stdout
"use strict";
const fs = require("fs");
const path = require("path");
const engine = require(path.join(__dirname, "..", "assets", "santer-search.js"));

const [indexDir, queriesFile] = process.argv.slice(2);
// the engine's own decoding (gzip data files, plain meta.json), as in the page
const readJson = (relative) => engine.decode(new Uint8Array(fs.readFileSync(path.join(indexDir, relative))));

(async () => {
  const queries = JSON.parse(fs.readFileSync(queriesFile, "utf8"));
  const index = new engine.Index(readJson);
  const out = [];
  for (const q of queries) {
    const groups = await index.analyze(q);
    const ranked = index.pin(q, index.rank(groups)).slice(0, 10);
    const cards = await index.cardsFor(ranked.map((r) => r[0]));
    out.push({
      q,
      groups: groups.map((g) => [g[0], g[1], g[2].map((a) => [a[1], a[2]])]),
      ranked: ranked.map((r, i) => [cards[i][0], r[1]]),
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
