// Builds the page's script into ../assets (committed, embedded in xdsctl with go:embed) and records the
// sha256 of every source in ../assets/SOURCES.sha256, which TestAssetsMatchSources recomputes
// without npm: a source edited without a rebuild fails the Go tests.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";

const out = "../assets";
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/app.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  outfile: `${out}/app.js`,
  legalComments: "eof",
  logLevel: "warning",
});
// src/index.html, style.css and favicon.svg are embedded from src/ as they are (server.go).

// The licenses of the code bundled into app.js (dagre and graphlib, MIT, come bundled inside
// cytoscape-dagre, which ships no separate license text for them).
writeFileSync(`${out}/THIRD_PARTY_LICENSES.txt`, [
  ["cytoscape", "node_modules/cytoscape/LICENSE"],
  ["cytoscape-dagre (bundles dagre and graphlib by Chris Pettitt, MIT License)", "node_modules/cytoscape-dagre/LICENSE"],
].map(([name, file]) => `${name}\n${"=".repeat(name.length)}\n${readFileSync(file, "utf8").trim()}\n`).join("\n"));

// The sources: keep in step with sources in ../assets_test.go.
const sources = ["build.mjs", "package.json", "package-lock.json", "tsconfig.json", "src/app.ts", "src/api.ts", "src/diff.ts", "src/index.html", "src/style.css", "src/favicon.svg"];
const lines = sources.sort().map((f) => `${createHash("sha256").update(readFileSync(f)).digest("hex")}  ${f}\n`);
writeFileSync(`${out}/SOURCES.sha256`, lines.join(""));
