import { describe, expect, it } from "vitest";
import { applySgr, color256, parseAnsiLine, plainText } from "./ansi";

describe("parseAnsiLine", () => {
  it("keeps markup as text", () => {
    const spans = parseAnsiLine("<script>alert(1)</script> & <b>x</b>");
    expect(spans).toEqual([{ text: "<script>alert(1)</script> & <b>x</b>", style: null }]);
  });

  it("parses the 16 colours, bright colours and resets", () => {
    const spans = parseAnsiLine("a\x1b[31mred\x1b[0m b \x1b[1;94mbold\x1b[39m plain-bold\x1b[m end");
    expect(spans).toEqual([
      { text: "a", style: null },
      { text: "red", style: { fg: "var(--ansi-1)" } },
      { text: " b ", style: null },
      { text: "bold", style: { bold: true, fg: "var(--ansi-12)" } },
      { text: " plain-bold", style: { bold: true } },
      { text: " end", style: null },
    ]);
  });

  it("parses 256 colours and truecolor, both separators", () => {
    expect(parseAnsiLine("\x1b[38;5;196mx")[0]?.style).toEqual({ fg: "rgb(255,0,0)" });
    expect(parseAnsiLine("\x1b[48;5;232mx")[0]?.style).toEqual({ bg: "rgb(8,8,8)" });
    expect(parseAnsiLine("\x1b[38;5;3mx")[0]?.style).toEqual({ fg: "var(--ansi-3)" });
    expect(parseAnsiLine("\x1b[38;2;10;20;30;48;2;1;2;3mx")[0]?.style).toEqual({ fg: "rgb(10,20,30)", bg: "rgb(1,2,3)" });
    expect(parseAnsiLine("\x1b[38:2::10:20:30mx")[0]?.style).toEqual({ fg: "rgb(10,20,30)" });
    expect(color256(16)).toBe("rgb(0,0,0)");
    expect(color256(231)).toBe("rgb(255,255,255)");
    expect(color256(300)).toBeUndefined();
  });

  it("handles bold, dim, italic, underline and their resets", () => {
    let style = applySgr({}, "1;2;3;4");
    expect(style).toEqual({ bold: true, dim: true, italic: true, underline: true });
    style = applySgr(style, "22;23");
    expect(style).toEqual({ underline: true });
    expect(applySgr(style, "24")).toEqual({});
    expect(applySgr({ fg: "x", bg: "y", bold: true }, "")).toEqual({});
  });

  it("drops other escape sequences and control characters", () => {
    expect(plainText("\x1b[2J\x1b[Hhello\x1b]0;title\x07 world\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x07")).toBe("hello worldlink");
    expect(plainText("tab\there\x00")).toBe("tab\there");
  });

  it("carriage returns overwrite the line", () => {
    expect(plainText("10%\r20%\r30%")).toBe("30%");
    expect(plainText("downloading 100%\rdone")).toBe("doneloading 100%");
    expect(plainText("progress 50%\r\x1b[2Kfinished")).toBe("finished");
    expect(plainText("all done\r")).toBe("all done");
    expect(plainText("\r\rx")).toBe("x");
  });

  it("keeps styles across carriage returns", () => {
    const spans = parseAnsiLine("\x1b[32mabc\rX");
    expect(spans).toEqual([
      { text: "X", style: { fg: "var(--ansi-2)" } },
      { text: "bc", style: { fg: "var(--ansi-2)" } },
    ]);
  });
});
