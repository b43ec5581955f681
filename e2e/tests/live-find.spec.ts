/**
 * Finding lines in a finished run larger than the page opens with (the tail is loaded, the
 * beginning is not): search jumps into a collapsed section and into lines not loaded yet, and a
 * `#seq-N` permalink opens at its line, highlighted and in view.
 */
import type { APIRequestContext } from "@playwright/test";
import { submitAgentJob } from "../fixtures/agents";
import { expect, getRun, test } from "../fixtures/test";
import type { JobCreated } from "../fixtures/api";

test.use({ workerOptions: { executors: 1 } });

async function finishedJob(api: APIRequestContext): Promise<JobCreated> {
  const created = await submitAgentJob(api, { lines: 1500, delay: 0 });
  await expect.poll(async () => (await getRun(api, created.run.id)).status, { timeout: 45_000 }).toBe("completed");
  return created;
}

async function seqOf(api: APIRequestContext, runId: string, text: string): Promise<number> {
  const response = await api.get(`/api/v1/runs/${runId}/events/search?q=${encodeURIComponent(text)}`);
  const body = (await response.json()) as { count: number; seqs: number[] };
  expect(body.count).toBe(1);
  return body.seqs[0] ?? 0;
}

test("search finds a line inside a collapsed section, not loaded yet", async ({ page, api }) => {
  const { job, run } = await finishedJob(api);
  const seq = await seqOf(api, run.id, "agent line 123 end");
  await page.goto(`/live/${job.id}`);
  await expect(page.getByTestId("live-outcome")).toHaveAttribute("data-status", "completed");
  await page.getByRole("button", { name: "Collapse all" }).click();
  const implement = page.locator('[data-testid="log-section"][data-section="implement#1"]');
  await expect(implement).toHaveAttribute("aria-expanded", "false");
  const hidden = await page.evaluate((s) => (window as unknown as { __mergeloomLive: { storedSeqs: () => number[] } }).__mergeloomLive.storedSeqs().includes(s), seq);
  expect(hidden, "the line is outside the tail the page opened with").toBe(false);

  const search = page.getByRole("searchbox", { name: "Search the log" });
  await search.fill("agent line 123 end");
  await search.press("Enter");
  await expect(page.getByTestId("search-count")).toHaveText(/1 match/);
  await page.getByRole("button", { name: "Next match" }).click();
  const row = page.locator(`.log-row[data-seq="${seq}"]`);
  await expect(row).toBeInViewport();
  await expect(row).toHaveClass(/is-current/);
  await expect(row).toContainText("agent line 123 end");
  await expect(page.getByTestId("search-count")).toHaveText("1 of 1 match");
});

test("a permalink opens at its line", async ({ page, api }) => {
  const { job, run } = await finishedJob(api);
  const seq = await seqOf(api, run.id, "agent line 200 end");
  await page.goto(`/live/${job.id}#seq-${seq}`);
  const row = page.locator(`.log-row[data-seq="${seq}"]`);
  await expect(row).toBeInViewport();
  await expect(row).toHaveClass(/is-target/);
  await expect(row).toContainText("agent line 200 end");

  // The line's own seq link is that permalink.
  await expect(row.getByRole("link", { name: String(seq), exact: true })).toHaveAttribute("href", `#seq-${seq}`);
});
