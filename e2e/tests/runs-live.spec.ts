/**
 * The Runs list follows the worker-wide stream: jobs submitted and runs cancelled through the API
 * show up in an open page without a reload and without refetching the list.
 */
import type { Page } from "@playwright/test";
import { cancelRun, expect, submitJob, test } from "../fixtures/test";

/**
 * Watches list requests (GET /api/v1/runs), which live updates must not need. `settled` resolves
 * once none is in flight and none started for a moment (the stream's resync triggers one).
 */
function watchListRequests(page: Page) {
  let started = 0;
  let finished = 0;
  let lastChange = Date.now();
  const isList = (url: string) => new URL(url).pathname === "/api/v1/runs";
  page.on("request", (request) => {
    if (!isList(request.url())) return;
    started += 1;
    lastChange = Date.now();
  });
  const done = (url: string) => {
    if (!isList(url)) return;
    finished += 1;
    lastChange = Date.now();
  };
  page.on("requestfinished", (request) => {
    done(request.url());
  });
  page.on("requestfailed", (request) => {
    done(request.url());
  });
  return {
    count: () => started,
    settled: () =>
      expect.poll(() => started > 0 && started === finished && Date.now() - lastChange > 500).toBe(true),
  };
}

test("submitted jobs and a cancel appear in the open Runs list live", async ({ page, api }) => {
  const listRequests = watchListRequests(page);
  await page.goto("/runs");
  await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
  await expect(page.getByTestId("stream-state")).toHaveText("live");
  await expect(page.getByText("No runs yet")).toBeVisible();
  // Let the refetch that follows the stream's first message (resync) finish.
  await listRequests.settled();
  await page.evaluate(() => {
    (window as unknown as { noReload: boolean }).noReload = true;
  });
  const before = listRequests.count();

  const first = await submitJob(api, "E2E-1", "Hello");
  const firstRow = page.locator(`tr[data-run-id="${first.run.id}"]`);
  await expect(firstRow).toBeVisible();
  await expect(firstRow).toContainText("E2E-1");
  await expect(firstRow).toContainText("Hello");
  await expect(firstRow.locator(".badge")).toHaveText("queued");

  const second = await submitJob(api, "E2E-2", "Second");
  const secondRow = page.locator(`tr[data-run-id="${second.run.id}"]`);
  await expect(secondRow).toBeVisible();
  // Newest first.
  await expect(page.locator("tbody tr")).toHaveCount(2);
  await expect(page.locator("tbody tr").first()).toHaveAttribute("data-run-id", second.run.id);

  await cancelRun(api, first.run.id);
  await expect(firstRow.locator(".badge")).toHaveText("cancelled");
  await expect(secondRow.locator(".badge")).toHaveText("queued");

  expect(listRequests.count(), "live updates must not refetch the list").toBe(before);
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
});

test("the header shows the worker's name and version", async ({ page, api }) => {
  const info = (await (await api.get("/api/v1/worker")).json()) as { name: string; version: string };
  await page.goto("/runs");
  const identity = page.getByTestId("worker-identity");
  await expect(identity).toContainText(info.name);
  await expect(identity).toContainText(`v${info.version}`);
});

test("a run's detail page shows its status and state history", async ({ page, api }) => {
  const { run } = await submitJob(api, "E2E-7", "Detail view");
  await page.goto("/runs");
  await page.getByRole("link", { name: "E2E-7" }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}$`));
  await expect(page.getByRole("heading", { name: /E2E-7 Detail view/ })).toBeVisible();
  await expect(page.getByRole("table", { name: "State history" })).toContainText("queued");

  await cancelRun(api, run.id);
  await expect(page.locator(".page__header .badge")).toHaveText("cancelled");
});
