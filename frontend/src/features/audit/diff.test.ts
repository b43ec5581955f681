/** Unit tests for the audit diff viewer's model: parsing unified diffs, split pairing, "new lines only". */
import { describe, expect, it } from "vitest";
import { onlyNewLines, pairSplitRows, parseUnifiedDiff, type DiffLine } from "./diff";

const SAMPLE = `diff --git a/pricing.py b/pricing.py
index 1111111..2222222 100644
--- a/pricing.py
+++ b/pricing.py
@@ -3,4 +3,4 @@
 
 def apply_discount(price, percent):
     """Return \`price\` reduced by \`percent\` per cent, rounded to cents."""
-    return price - percent
+    return round(price * (1 - percent / 100), 2)
`;

const kinds = (lines: readonly DiffLine[]) => lines.map((l) => l.kind);

describe("parseUnifiedDiff", () => {
  it("reads headers, hunks and numbered lines", () => {
    const diff = parseUnifiedDiff(SAMPLE);
    expect(diff.binary).toBe(false);
    expect(diff.headers).toEqual([
      "diff --git a/pricing.py b/pricing.py",
      "index 1111111..2222222 100644",
      "--- a/pricing.py",
      "+++ b/pricing.py",
    ]);
    expect(diff.hunks).toHaveLength(1);
    const [hunk] = diff.hunks;
    expect(hunk).toMatchObject({ header: "@@ -3,4 +3,4 @@", oldStart: 3, oldLines: 4, newStart: 3, newLines: 4 });
    expect(kinds(hunk?.lines ?? [])).toEqual(["context", "context", "context", "del", "add"]);
    expect(hunk?.lines.map((l) => [l.oldNo, l.newNo])).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
      [6, null],
      [null, 6],
    ]);
    expect(hunk?.lines[0]?.text).toBe("");
    expect(hunk?.lines[4]?.text).toBe("    return round(price * (1 - percent / 100), 2)");
  });

  it("numbers several hunks independently and keeps the section heading", () => {
    const diff = parseUnifiedDiff(
      ["@@ -1,2 +1,3 @@ first", " a", "+b", " c", "@@ -10 +11,2 @@ def later():", "-x", "+y", "+z"].join("\n"),
    );
    expect(diff.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([
      [1, 2, 1, 3],
      [10, 1, 11, 2],
    ]);
    expect(diff.hunks[1]?.header).toBe("@@ -10 +11,2 @@ def later():");
    expect(diff.hunks[0]?.lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ["context", 1, 1],
      ["add", null, 2],
      ["context", 2, 3],
    ]);
    expect(diff.hunks[1]?.lines.map((l) => [l.kind, l.oldNo, l.newNo])).toEqual([
      ["del", 10, null],
      ["add", null, 11],
      ["add", null, 12],
    ]);
  });

  it('marks the line before "\\ No newline at end of file"', () => {
    const diff = parseUnifiedDiff(
      ["@@ -1 +1 @@", "-old", "\\ No newline at end of file", "+new", "\\ No newline at end of file", ""].join("\n"),
    );
    const lines = diff.hunks[0]?.lines ?? [];
    expect(kinds(lines)).toEqual(["del", "add"]);
    expect(lines.map((l) => l.noNewline)).toEqual([true, true]);
  });

  it("handles added and deleted files, CRLF and binaries", () => {
    const added = parseUnifiedDiff("new file mode 100644\r\n--- /dev/null\r\n+++ b/x.txt\r\n@@ -0,0 +1,2 @@\r\n+one\r\n+two\r\n");
    expect(added.hunks[0]?.lines.map((l) => [l.text, l.newNo])).toEqual([
      ["one", 1],
      ["two", 2],
    ]);
    const deleted = parseUnifiedDiff("deleted file mode 100644\n--- a/x.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n");
    expect(deleted.hunks[0]).toMatchObject({ oldStart: 1, oldLines: 1, newStart: 0, newLines: 0 });
    expect(deleted.hunks[0]?.lines[0]).toMatchObject({ kind: "del", oldNo: 1, newNo: null });
    const binary = parseUnifiedDiff("diff --git a/logo.png b/logo.png\nBinary files a/logo.png and b/logo.png differ\n");
    expect(binary).toMatchObject({ binary: true, hunks: [] });
    expect(parseUnifiedDiff("")).toEqual({ headers: [], hunks: [], binary: false });
  });

  it("keeps text that looks like HTML as plain text", () => {
    const diff = parseUnifiedDiff("@@ -1 +1 @@\n+<img src=x onerror=alert(1)>\n");
    expect(diff.hunks[0]?.lines[0]?.text).toBe("<img src=x onerror=alert(1)>");
  });
});

describe("pairSplitRows", () => {
  const lines = parseUnifiedDiff(
    ["@@ -1,6 +1,6 @@", " keep", "-a", "-b", "-c", "+A", " mid", "+new", "-x", "+X", "+Y"].join("\n"),
  ).hunks[0]?.lines ?? [];
  const rows = pairSplitRows(lines);
  const text = (l: DiffLine | null) => (l ? l.text : null);

  it("puts context on both sides and pairs deletions with the additions after them", () => {
    expect(rows.map((r) => [text(r.left), text(r.right)])).toEqual([
      ["keep", "keep"],
      ["a", "A"],
      ["b", null],
      ["c", null],
      ["mid", "mid"],
      [null, "new"],
      ["x", "X"],
      [null, "Y"],
    ]);
  });

  it("keeps every line exactly once per side", () => {
    const left = rows.flatMap((r) => (r.left ? [r.left] : []));
    const right = rows.flatMap((r) => (r.right ? [r.right] : []));
    expect(left.map((l) => l.oldNo)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(right.map((l) => l.newNo)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("onlyNewLines", () => {
  it("keeps the added lines with their new line numbers and drops hunks without any", () => {
    const diff = parseUnifiedDiff(["@@ -1,2 +1,2 @@", " a", "-b", "+B", "@@ -9 +9,0 @@", "-gone"].join("\n"));
    const shown = onlyNewLines(diff);
    expect(shown.hunks).toHaveLength(1);
    expect(shown.hunks[0]?.lines.map((l) => [l.kind, l.text, l.newNo])).toEqual([["add", "B", 2]]);
    // The original is untouched.
    expect(diff.hunks).toHaveLength(2);
    expect(diff.hunks[0]?.lines).toHaveLength(3);
  });
});
