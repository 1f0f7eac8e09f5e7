// Parses an AsyncAPI document with @asyncapi/parser (installed by
// scripts/asyncapi.sh parser) and prints its diagnostics.
//   node validate_asyncapi.mjs <node_modules folder>  < document (JSON or YAML)
// Prints [{severity, code, message, path}] (JSON); severity 0 is an error,
// 1 a warning, 2 information, 3 a hint.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [modulesDir] = process.argv.slice(2);
const require = createRequire(`${modulesDir}/`);
const { Parser } = require("@asyncapi/parser");
const { diagnostics } = await new Parser().parse(readFileSync(0, "utf8"));
process.stdout.write(
  JSON.stringify(
    diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path.join("/") })),
  ),
);
