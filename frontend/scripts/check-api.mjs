/**
 * `npm run check:api`: regenerates the API types from ../backend/openapi.json into a temporary file
 * and fails when they differ from the committed src/api/schema.d.ts, so stale types never ship.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const spec = join(root, "..", "backend", "openapi.json");
const committed = join(root, "src", "api", "schema.d.ts");
const dir = mkdtempSync(join(tmpdir(), "mergeloom-api-"));
const fresh = join(dir, "schema.d.ts");

try {
  execFileSync(join(root, "node_modules", ".bin", "openapi-typescript"), [spec, "-o", fresh], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (readFileSync(fresh, "utf8") !== readFileSync(committed, "utf8")) {
    console.error("src/api/schema.d.ts is stale: run npm run gen:api");
    process.exitCode = 1;
  } else {
    console.log("src/api/schema.d.ts is up to date");
  }
} catch (err) {
  console.error(`check:api failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
