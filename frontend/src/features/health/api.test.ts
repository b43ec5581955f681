/** Unit tests for applying `health.changed` messages to the cached health report. */
import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import type { HealthCheck, HealthReport } from "../../api/types";
import { applyCheck, applyHealthEvent, healthKeys, parseHealthChanged, worstStatus } from "./api";

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

describe("applyHealthEvent", () => {
  it("writes the changed check into the cached report at once", () => {
    const queryClient = new QueryClient();
    queryClient.setQueryData(healthKeys.report(), report);
    applyHealthEvent(queryClient, JSON.stringify(check("storage", "down")));
    const cached = queryClient.getQueryData<HealthReport>(healthKeys.report());
    expect(cached?.status).toBe("down");
    expect(cached?.checks.find((c) => c.name === "storage")?.status).toBe("down");
  });

  it("leaves the cache alone for a malformed message or when nothing is cached", () => {
    const queryClient = new QueryClient();
    applyHealthEvent(queryClient, JSON.stringify(check("storage", "down")));
    expect(queryClient.getQueryData(healthKeys.report())).toBeUndefined();
    queryClient.setQueryData(healthKeys.report(), report);
    applyHealthEvent(queryClient, "{");
    expect(queryClient.getQueryData<HealthReport>(healthKeys.report())?.status).toBe("ok");
  });
});
