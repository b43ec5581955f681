import { describe, expect, it } from "vitest";
import { exportPath, filePath, filesPath, normalizeRepoView, repoViewFromSearchParams, repoViewToSearchParams } from "./filters";

describe("repo view URL state", () => {
  it("reads known values and drops the rest", () => {
    expect(repoViewFromSearchParams(new URLSearchParams("status=current&q=%20src%20&file=a%20b.py&line=12"))).toEqual({
      status: "current",
      q: "src",
      file: "a b.py",
      line: 12,
    });
    expect(repoViewFromSearchParams(new URLSearchParams("status=bogus&q=%20&line=3"))).toEqual({});
    expect(normalizeRepoView({ file: "x", line: "0" })).toEqual({ file: "x" });
    expect(normalizeRepoView({ file: "x", line: "2.5" })).toEqual({ file: "x" });
  });

  it("writes into the existing parameters and removes unset ones", () => {
    const next = repoViewToSearchParams({ status: "pending", file: "src/app.py" }, new URLSearchParams("q=old&other=1&line=4"));
    expect(next.toString()).toBe("other=1&status=pending&file=src%2Fapp.py");
  });

  it("round-trips", () => {
    const view = { status: "waiting_for_workspace" as const, q: "lib", file: "lib/x.ts", line: 7 };
    expect(repoViewFromSearchParams(repoViewToSearchParams(view))).toEqual(view);
  });
});

describe("API paths", () => {
  it("builds the files, file and export paths", () => {
    expect(filesPath("r 1", {})).toBe("/api/v1/code-audit/repositories/r%201/files");
    expect(filesPath("r1", { status: "moved", q: "a&b" })).toBe("/api/v1/code-audit/repositories/r1/files?status=moved&q=a%26b");
    expect(filePath("r1", "src/a b.py")).toBe("/api/v1/code-audit/repositories/r1/file?path=src%2Fa+b.py");
    expect(filePath("r1", "a.py", "abc")).toBe("/api/v1/code-audit/repositories/r1/file?path=a.py&ref=abc");
    expect(exportPath("r1", "csv", "files")).toBe("/api/v1/code-audit/export?repository=r1&format=csv&level=files");
    expect(exportPath("r1", "agent-trace")).toBe("/api/v1/code-audit/export?repository=r1&format=agent-trace");
  });
});
