import { describe, expect, it } from "vitest";
import type { HealthCheck, HealthReport } from "../../api/types";
import { applyCheck, parseHealthChanged, worstStatus } from "./api";

function check(name: string, status: HealthCheck["status"]): HealthCheck {
  return {
    name,
    component: name,
    status,
    message: `${name} ${status}`,
    details: {},
    action: null,
    latency_ms: 1,
    checked_at: "2026-11-26T10:00:00.000Z",
  };
}

const report: HealthReport = {
  status: "ok",
  checked_at: "2026-11-26T10:00:00.000Z",
  worker: {
    name: "w",
    role: "gateway",
    version: "0.1.0",
    uptime_s: 5,
    state: "idle",
    idle_reason: "no_queued_jobs",
    blockers: [],
    explanation: "idle",
    queued_runs: 0,
    running_runs: 0,
  },
  checks: [check("gateway", "ok"), check("storage", "ok")],
};

describe("health cache updates", () => {
  it("replaces a check by name and recomputes the overall status", () => {
    const next = applyCheck(report, check("storage", "degraded"));
    expect(next.status).toBe("degraded");
    expect(next.checks.map((c) => c.status)).toEqual(["ok", "degraded"]);
    expect(report.checks[1]?.status).toBe("ok");
    expect(applyCheck(next, check("controller", "down")).checks).toHaveLength(3);
    expect(applyCheck(next, check("storage", "ok")).status).toBe("ok");
  });

  it("parses health.changed data and drops anything else", () => {
    expect(parseHealthChanged(JSON.stringify(check("storage", "down")))?.status).toBe("down");
    expect(parseHealthChanged(JSON.stringify({ name: "x", status: "weird" }))).toBeNull();
    expect(parseHealthChanged("not json")).toBeNull();
  });

  it("orders statuses ok < degraded < down", () => {
    expect(worstStatus([])).toBe("ok");
    expect(worstStatus(["ok", "down", "degraded"])).toBe("down");
    expect(worstStatus(["degraded", "ok"])).toBe("degraded");
  });
});
