/**
 * With one executor, a run started while /runs is open moves through its stages to completed in
 * the list without a reload and without refetching the list.
 */
import { expect, runSample, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

test("the list follows a run to completion live", async ({ page, api }) => {
  let listRequests = 0;
  let lastRequestAt = Date.now();
  page.on("request", (request) => {
    if (new URL(request.url()).pathname !== "/api/v1/runs") return;
    listRequests += 1;
    lastRequestAt = Date.now();
  });
  await page.goto("/runs");
  await expect(page.getByText("No runs yet")).toBeVisible();
  await expect(page.getByTestId("stream-state")).toHaveText("live");
  // The stream's first message (resync) may refetch; wait until list requests have stopped.
  await expect.poll(() => listRequests > 0 && Date.now() - lastRequestAt > 1000).toBe(true);
  const before = listRequests;
  await page.evaluate(() => {
    (window as unknown as { noReload: boolean }).noReload = true;
  });

  const { run } = await runSample(api);
  const row = page.locator(`tr[data-run-id="${run.id}"]`);
  await expect(row).toBeVisible();
  await expect(row.locator(".tag--sample")).toHaveText("sample");
  await expect(row).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
  await expect(row.locator('[data-col="stage"]')).toHaveText("finalize");
  await expect(row).toContainText("published");
  await expect(row.locator('[data-col="duration"]')).not.toHaveText("—");

  expect(listRequests, "live updates must not refetch the list").toBe(before);
  expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
});
