// Validate AsyncAPI documents with the official parser (@asyncapi/parser), offline.
// Usage: node validate-asyncapi.mjs FILE...  Prints each diagnostic; exits 1 on any error.
import { readFile } from "node:fs/promises";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

// The only warning on a good 3.0.0 document suggests the newer 3.1.0; we pin 3.0.0 on purpose.
const IGNORED = new Set(["asyncapi-latest-version"]);
const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, "utf8");
  const diagnostics = (await parser.validate(text, { source: file }))
    .filter((d) => !IGNORED.has(String(d.code)));
  for (const d of diagnostics) {
    const level = DiagnosticSeverity[d.severity] ?? d.severity;
    console.log(`${file}: ${level} ${d.code} at /${(d.path ?? []).join("/")}: ${d.message}`);
  }
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
  if (errors.length) failed = true;
  console.log(`${file}: ${errors.length} errors, ${diagnostics.length - errors.length} other diagnostics`);
}
process.exit(failed ? 1 : 0);
