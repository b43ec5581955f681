/** Unit tests for the duration, relative-time, provider and byte-count formatters. */
import { describe, expect, it } from "vitest";
import { elapsedMs, formatBytes, formatClock, formatDuration, formatProvider, formatRelative } from "./format";

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [-5, "0ms"],
    [850, "850ms"],
    [1000, "1.0s"],
    [12_345, "12.3s"],
    [59_999, "59.9s"],
    [60_000, "1m 00s"],
    [81_234, "1m 21s"],
    [3_599_999, "59m 59s"],
    [3_600_000, "1h 00m"],
    [7_380_000, "2h 03m"],
    [86_400_000 * 3 + 3_600_000 * 4, "3d 04h"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("formatRelative", () => {
  const now = Date.parse("2026-11-24T12:00:00.000Z");
  it.each([
    ["2026-11-24T12:00:00.000Z", "just now"],
    ["2026-11-24T12:00:05.000Z", "just now"],
    ["2026-11-24T12:00:42.000Z", "in 42s"],
    ["2026-11-24T12:05:00.000Z", "in 5m"],
    ["2026-11-24T15:00:00.000Z", "in 3h"],
    ["2026-11-26T12:00:00.000Z", "in 2d"],
    ["2026-11-24T11:59:45.000Z", "15s ago"],
    ["2026-11-24T11:55:00.000Z", "5m ago"],
    ["2026-11-24T09:00:00.000Z", "3h ago"],
    ["2026-11-22T12:00:00.000Z", "2d ago"],
    ["2026-09-01T12:00:00.000Z", "2026-09-01"],
    ["not a date", "not a date"],
  ])("%s → %s", (iso, text) => {
    expect(formatRelative(iso, now)).toBe(text);
  });
});

describe("elapsedMs", () => {
  const now = Date.parse("2026-11-24T12:00:10.000Z");
  it("prefers the recorded duration", () => {
    expect(elapsedMs({ duration_ms: 42, started_at: "2026-11-24T12:00:00.000Z" }, now)).toBe(42);
  });
  it("counts from the start while running", () => {
    expect(elapsedMs({ started_at: "2026-11-24T12:00:00.000Z", finished_at: null, duration_ms: null }, now)).toBe(10_000);
  });
  it("is null before the run starts", () => {
    expect(elapsedMs({ started_at: null, duration_ms: null }, now)).toBeNull();
  });
});

describe("formatProvider", () => {
  it("joins id and model", () => {
    expect(formatProvider({ id: "claude-code-cli", kind: "claude-code-cli", model: "sonnet" })).toBe("claude-code-cli / sonnet");
  });
  it("falls back to the kind and a dash", () => {
    expect(formatProvider({ id: null, kind: "command", model: null })).toBe("command");
    expect(formatProvider({})).toBe("—");
  });
});

describe("formatClock", () => {
  it("shows local time of day with milliseconds", () => {
    const d = new Date(2026, 10, 24, 13, 5, 9, 42);
    expect(formatClock(d.toISOString())).toBe("13:05:09.042");
    expect(formatClock("garbage")).toBe("garbage");
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [-1, "0 B"],
    [Number.NaN, "0 B"],
    [1, "1 B"],
    [1023, "1023 B"],
    [1024, "1 KiB"],
    [1536, "1.5 KiB"],
    [10 * 1024 + 300, "10 KiB"],
    [256 * 1024 * 1024, "256 MiB"],
    [5.25 * 1024 ** 3, "5.3 GiB"],
    [2 ** 50, "1 PiB"],
    [2 ** 60, "1024 PiB"],
  ])("%d bytes → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
