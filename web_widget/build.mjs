// Build dist/widget.js: one minified IIFE for es2019 browsers, and check its
// gzipped size against the budget. `node build.mjs --watch` rebuilds on change.

import { readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const GZIP_BUDGET_BYTES = 40 * 1024;
const OUTFILE = "dist/widget.js";
const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: ["src/index.js"],
  outfile: OUTFILE,
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  platform: "browser",
  legalComments: "eof",
  define: { __WIDGET_VERSION__: JSON.stringify(pkg.version) },
  logLevel: "warning",
};

function report() {
  const code = readFileSync(OUTFILE);
  const gzipped = gzipSync(code, { level: 9 }).length;
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`${OUTFILE}: ${kb(statSync(OUTFILE).size)} minified, ${kb(gzipped)} gzipped (${gzipped} bytes; budget ${kb(GZIP_BUDGET_BYTES)})`);
  return gzipped <= GZIP_BUDGET_BYTES;
}

if (process.argv.includes("--watch")) {
  const context = await esbuild.context({
    ...options,
    plugins: [{ name: "size", setup: (build) => build.onEnd((result) => result.errors.length || report()) }],
  });
  await context.watch();
  console.log("watching src/ …");
} else {
  await esbuild.build(options);
  if (!report()) {
    console.error(`${OUTFILE} is over the gzipped size budget`);
    process.exit(1);
  }
}
