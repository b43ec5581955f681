/**
 * The Runs list's filters live in the URL: set in the UI, they survive a reload (inputs and
 * results); the time range goes to the URL as UTC; rows are keyboard navigable.
 */
import { cancelRun, expect, submitJob, test } from "../fixtures/test";

test("status and search filters survive a reload", async ({ page, api }) => {
  const alpha = await submitJob(api, "FLT-1", "Alpha discount");
  await submitJob(api, "FLT-2", "Beta discount");
  const gamma = await submitJob(api, "FLT-3", "Gamma");
  await cancelRun(api, alpha.run.id);
  await cancelRun(api, gamma.run.id);

  await page.goto("/runs");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(3);

  await page.getByRole("checkbox", { name: "cancelled" }).check();
  await expect(rows).toHaveCount(2);
  const search = page.getByRole("searchbox", { name: "Search" });
  await search.fill("discount");
  await search.press("Enter");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-run-id", alpha.run.id);
  await expect(page).toHaveURL(/status=cancelled/);
  await expect(page).toHaveURL(/q=discount/);

  await page.reload();
  await expect(page.getByRole("checkbox", { name: "cancelled" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "queued" })).not.toBeChecked();
  await expect(search).toHaveValue("discount");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-run-id", alpha.run.id);

  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(rows).toHaveCount(3);
  await expect(search).toHaveValue("");
  await expect(page).toHaveURL(/\/runs$/);
});

test("the time range filters by creation time, stored as UTC", async ({ page, api }) => {
  await submitJob(api, "TIME-1", "Now");
  await page.goto("/runs");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(1);

  await page.getByRole("button", { name: "Last hour" }).click();
  await expect(page).toHaveURL(/since=\d{4}-\d\d-\d\dT[\d%A:.]+Z/);
  await expect(rows).toHaveCount(1);

  await page.getByLabel("Since").fill("2099-01-01T00:00");
  await expect(page.getByText("No runs match these filters.")).toBeVisible();
  const since = new URL(page.url()).searchParams.get("since");
  expect(since).toBe(await page.evaluate(() => new Date("2099-01-01T00:00").toISOString()));

  await page.reload();
  await expect(page.getByLabel("Since")).toHaveValue("2099-01-01T00:00");
  await expect(page.getByText("No runs match these filters.")).toBeVisible();
});

test("rows are keyboard navigable: arrows move, Enter opens", async ({ page, api }) => {
  await submitJob(api, "KEY-1", "First");
  const second = await submitJob(api, "KEY-2", "Second");
  const third = await submitJob(api, "KEY-3", "Third");
  await page.goto("/runs");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(3);

  await rows.first().focus();
  await expect(rows.first()).toHaveAttribute("data-run-id", third.run.id);
  await page.keyboard.press("ArrowDown");
  await expect(rows.nth(1)).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowUp");
  await expect(rows.nth(1)).toBeFocused();
  await expect(rows.nth(1)).toHaveAttribute("tabindex", "0");
  await expect(rows.first()).toHaveAttribute("tabindex", "-1");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/runs/${second.run.id}$`));
});
