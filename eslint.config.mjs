// The portal's scripts run in citizens' browsers as plain scripts (no build step, no modules):
// ES2018 syntax at most, browser globals only. What they need from the browser is listed in
// search/BROWSERS.md.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["search/assets/**/*.js", "themes/**/*.js"],
    languageOptions: {
      ecmaVersion: 2018,
      sourceType: "script",
      // module and globalThis: the engine also loads in node (the parity test)
      globals: { ...globals.browser, module: "readonly", globalThis: "readonly" },
    },
  },
  {
    files: ["search/tests/**/*.js", "tests/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: globals.node },
  },
  { ignores: [".venv/", "node_modules/", "data/", "content/"] },
];
