/**
 * The live page of a running job: lines arrive as the agent prints them, scrolling up pauses
 * following, a dropped connection resumes with every seq exactly once, and the outcome banner
 * shows at the end. Output is text: the agent's `<script>` line renders as characters.
 */
import { submitAgentJob } from "../fixtures/agents";
import { expect, getRun, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

interface LiveHook {
  storedSeqs: () => number[];
  rowSeqs: () => number[];
}

test("follows a running job, survives a dropped connection, ends with the outcome", async ({ page, api, context }) => {
  test.setTimeout(90_000);
  const { job, run } = await submitAgentJob(api, { lines: 240, delay: 0.05 });
  const streams: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/events/stream")) streams.push(request.url());
  });
  await page.goto(`/live/${job.id}`);
  await expect(page.getByTestId("live-run")).toHaveAttribute("data-run-id", run.id);

  const viewer = page.getByTestId("log-viewer");
  const agentLine = viewer.locator(".log-row", { hasText: /agent line \d+ end$/ });
  await expect(agentLine.first()).toBeVisible({ timeout: 30_000 });
  const lastNumber = async () => {
    const texts = await agentLine.allTextContents();
    return Math.max(...texts.map((t) => Number(/agent line (\d+) end$/.exec(t)?.[1] ?? 0)));
  };
  const seen = await lastNumber();
  await expect.poll(lastNumber, { message: "new lines arrive while following" }).toBeGreaterThan(seen + 5);

  // Drop the connection mid-run, then restore it.
  await context.setOffline(true);
  const streamState = page.getByTestId("live-stream-state");
  await expect(streamState).toHaveText("reconnecting");
  await page.waitForTimeout(1000);
  await context.setOffline(false);
  await expect(streamState).toHaveText(/live|complete/);
  // The resume asked for what came after the last seq held, not for everything again.
  expect(streams.length).toBeGreaterThanOrEqual(2);
  expect(Number(new URL(streams[streams.length - 1] ?? "").searchParams.get("after"))).toBeGreaterThan(
    Number(new URL(streams[0] ?? "").searchParams.get("after")),
  );

  // Scrolling up pauses following; "jump to live" counts what arrived meanwhile and resumes.
  await viewer.hover();
  await page.mouse.wheel(0, -400);
  const jumpButton = page.getByRole("button", { name: /Jump to live/ });
  await expect(jumpButton).toHaveText(/Jump to live \(\d+ new\)/);
  await jumpButton.click();
  await expect(jumpButton).toHaveCount(0);

  const banner = page.getByTestId("live-outcome");
  await expect(banner).toHaveAttribute("data-status", "completed", { timeout: 45_000 });
  await expect(banner).toContainText("published");
  await expect(banner.getByRole("link", { name: "Ticket audit" })).toHaveAttribute("href", `/audit/${run.id}`);
  await expect(viewer.locator('[data-testid="log-section"][data-section="finalize#1"]')).toBeVisible();

  // Every seq the run recorded is held and shown exactly once, in order.
  const finished = await getRun(api, run.id);
  const expected = Array.from({ length: finished.last_event_seq }, (_, i) => i + 1);
  await page.getByRole("button", { name: "Expand all" }).click();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __mergeloomLive: LiveHook }).__mergeloomLive.storedSeqs()))
    .toEqual(expected);
  const rowSeqs = await page.evaluate(() => (window as unknown as { __mergeloomLive: LiveHook }).__mergeloomLive.rowSeqs());
  expect(rowSeqs).toEqual(expected);
  const rendered = (await viewer.locator(".log-row[data-seq]:not(.log-row--section)").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-seq")))));
  expect(rendered.length).toBeGreaterThan(5);
  expect(rendered).toEqual([...new Set(rendered)].sort((a, b) => a - b));

  // Terminal output is text, never markup.
  await page.goto(`/live/${job.id}#seq-1`);
  await page.getByRole("button", { name: "Expand all" }).click();
  await page.getByRole("searchbox", { name: "Search the log" }).fill("agent starting");
  await page.getByRole("searchbox", { name: "Search the log" }).press("Enter");
  await expect(page.getByTestId("search-count")).toHaveText(/1 match/);
  await page.getByRole("button", { name: "Next match" }).click();
  const scriptLine = viewer.locator(".log-row.is-current");
  await expect(scriptLine).toContainText("agent starting <script>alert(1)</script>");
  await expect(viewer.locator("script")).toHaveCount(0);
});
