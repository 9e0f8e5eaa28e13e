// The GraphQL over HTTP audit (graphql-http's auditServer, pinned in package.json) against a
// running server: every MUST and SHOULD must pass (MAY is reported only).
//
//   node scripts/graphql-http-audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one line per audit and a summary; exits 1 when a MUST or a SHOULD fails.
// tests/api/test_graphql_over_http.py runs it against the suite's live server.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/graphql-http-audit.mjs <url of /graphql>");
  process.exit(2);
}

const results = await auditServer({ url });
const tally = {};
for (const result of results) {
  const level = result.name.split(" ")[0];
  tally[level] ??= { ok: 0, failed: 0 };
  tally[level][result.status === "ok" ? "ok" : "failed"] += 1;
  const detail = result.status === "ok" ? "" : `: ${result.reason}`;
  console.log(`${result.status.padEnd(5)} ${result.name}${detail}`);
}
const summary = Object.entries(tally).map(
  ([level, { ok, failed }]) => `${level} ${ok}/${ok + failed}`,
);
console.log(`graphql-http audit: ${summary.join(", ")}`);
const failed = results.filter(
  (result) => result.status !== "ok" && !result.name.startsWith("MAY"),
);
process.exit(failed.length ? 1 : 0);
