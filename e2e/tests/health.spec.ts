/**
 * The Health page against a real worker whose controller is a small HTTP server run by the test:
 * every component has a card, the executors show their heartbeats, and when the controller goes
 * away its check turns degraded on the open page — pushed by `health.changed`, with no reload.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { startWorker, type RunningWorker } from "../fixtures/worker";

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

let controller: Server;
let worker: RunningWorker | undefined;

test.beforeEach(async () => {
  controller = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", connection: "close" });
    res.end('{"status":"ok"}');
  });
  const port = await listen(controller);
  worker = await startWorker({
    executors: 1,
    args: ["--health-interval-seconds", "1", "--control-plane-url", `http://127.0.0.1:${port}/healthz`],
  });
});

test.afterEach(async () => {
  await worker?.stop();
  controller.closeAllConnections();
  controller.close();
});

test("the Health page shows every component and a check that turns degraded without a reload", async ({ page }) => {
  const base = worker!.baseURL;
  await page.goto(`${base}/health`);
  await expect(page.getByRole("heading", { name: "Health", level: 1 })).toBeVisible();

  // One card per component, each with a message and a timeline.
  for (const name of ["gateway", "executors", "storage", "providers", "controller"]) {
    const card = page.getByTestId(`check-${name}`);
    await expect(card).toBeVisible();
    await expect(card).toHaveAttribute("data-status", "ok");
    await expect(page.getByTestId(`check-${name}-message`)).not.toBeEmpty();
    await expect(page.getByTestId(`timeline-${name}`)).toBeVisible();
  }
  await expect(page.getByTestId("check-controller-message")).toContainText("controller reachable (HTTP 200");
  await expect(page.getByTestId("check-storage-message")).toContainText("SQLite round trip");
  await expect(page.getByTestId("health-banner")).toHaveAttribute("data-status", "ok");
  await expect(page.getByTestId("worker-state")).toHaveAttribute("data-idle-reason", "no_queued_jobs");
  // The executor list with its heartbeat.
  const fleet = page.getByRole("table", { name: "Executors" });
  await expect(fleet.locator("tbody tr")).toHaveCount(1);
  await expect(fleet.locator("tbody tr time")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Troubleshooting order" })).toBeVisible();

  // A marker that a reload would wipe.
  await page.evaluate(() => {
    (window as unknown as { healthMarker: string }).healthMarker = "same page";
  });

  // The controller goes away: the background check finds it within a second or two and the
  // stream brings the change (the page's own polling is every 30 s, far slower than this wait).
  controller.closeAllConnections();
  await new Promise<void>((done) => controller.close(() => done()));

  const card = page.getByTestId("check-controller");
  await expect(card).toHaveAttribute("data-status", "degraded", { timeout: 15_000 });
  await expect(page.getByTestId("check-controller-message")).toContainText("cannot reach the controller");
  await expect(page.getByTestId("check-controller-action")).toContainText("JCA_WORKER_CONTROL_PLANE_URL");
  await expect(page.getByTestId("health-banner")).toHaveAttribute("data-status", "degraded");
  await expect(page.getByTestId("timeline-controller").locator('rect[data-status="degraded"]')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { healthMarker?: string }).healthMarker)).toBe("same page");

  // The nav links the page.
  await expect(page.getByRole("link", { name: "Health" })).toHaveAttribute("aria-current", "page");
});
