/**
 * Retention from the settings page, end to end: a finished sample run; an unsaved size cap of one
 * byte makes the preview list that run's events; saving records the change in the history; Prune
 * now (after its confirmation dialog) reports the removal; then the run and live pages say the
 * live stream is no longer retained, and the live page opens no event stream for it.
 */
import { expect, getRun, runSample, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

test("a prune from the settings page removes a finished run's events", async ({ page, api }) => {
  const { job, run } = await runSample(api);
  await expect.poll(async () => (await getRun(api, run.id)).status, { timeout: 60_000 }).toBe("completed");
  const finished = await getRun(api, run.id);
  expect(finished.event_count).toBeGreaterThan(0);

  await page.goto("/settings");
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  const retention = page.getByTestId("settings-group-retention");
  await expect(retention.getByTestId("compliance-state")).toContainText("Compliance mode off");
  await expect(page.getByTestId("retention-preview-runs")).toHaveText("0");

  // An unsaved edit is previewed as an override: a 1-byte cap removes every ended run's events.
  const cap = page.getByLabel("retention_events_max_bytes");
  await cap.fill("1");
  await expect(page.getByRole("heading", { name: /with your unsaved edits/ })).toBeVisible();
  await expect(page.getByTestId("retention-preview-runs")).toHaveText("1");
  await expect(page.getByTestId("retention-preview-events")).toHaveText(finished.event_count.toLocaleString("en"));
  await expect(page.getByTestId("retention-preview-bytes")).not.toHaveText("0 B");

  // Client-side validation blocks a save; a valid value saves only what changed.
  await cap.fill("lots");
  await expect(page.getByTestId("setting-retention_events_max_bytes")).toContainText("must be a whole number");
  await expect(page.getByTestId("settings-save")).toBeDisabled();
  await cap.fill("1");
  await page.getByTestId("settings-save").click();
  await expect(page.getByTestId("settings-save-status")).toHaveText("Saved.");
  const history = page.getByRole("table", { name: "Settings history" });
  await expect(history.locator("tbody tr")).toHaveCount(1);
  await expect(history.locator("tbody tr").first()).toContainText("retention_events_max_bytes");
  const settings = (await (await api.get("/api/v1/settings")).json()) as {
    settings: Record<string, { value: unknown; source: string }>;
  };
  expect(settings.settings.retention_events_max_bytes).toMatchObject({ value: 1, source: "ui" });

  // Prune now asks first; Cancel does nothing.
  await page.getByRole("button", { name: "Prune now" }).click();
  const dialog = page.getByRole("dialog", { name: "Prune now?" });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  expect((await getRun(api, run.id)).retention.events_retained).toBe(true);

  await page.getByRole("button", { name: "Prune now" }).click();
  await dialog.getByRole("button", { name: "Yes, prune now" }).click();
  await expect(page.getByTestId("prune-report-figures-runs")).toHaveText("1");
  await expect(page.getByTestId("prune-report-figures-events")).toHaveText(finished.event_count.toLocaleString("en"));
  await expect(page.getByTestId("last-prune")).toContainText("request");
  await expect(page.getByTestId("retention-preview-runs")).toHaveText("0");
  expect((await getRun(api, run.id)).retention.events_retained).toBe(false);

  // The run page: the notice instead of the ledger, no raw-output links; the audit is kept.
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByTestId("events-not-retained")).toContainText("Live stream no longer retained (policy: 30 days)");
  await expect(page.getByRole("navigation", { name: "Run links" }).getByRole("link", { name: "log.txt" })).toHaveCount(0);
  await expect(page.getByRole("navigation", { name: "Run links" }).getByRole("link", { name: "Ticket audit" })).toBeVisible();

  // The live page: the same notice, and no event stream is opened for the run.
  const streams: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes(`/runs/${run.id}/events`)) streams.push(request.url());
  });
  await page.goto(`/live/${job.id}`);
  await expect(page.getByTestId("events-not-retained")).toContainText("Live stream no longer retained (policy: 30 days)");
  await expect(page.getByTestId("live-outcome")).toHaveAttribute("data-status", "completed");
  await page.waitForTimeout(500);
  expect(streams).toEqual([]);
});
