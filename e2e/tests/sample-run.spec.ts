/**
 * From an empty worker with one executor: Home offers the sample job; running it opens the run,
 * which goes setup → … → validate #1 (failed) → repair #1 → validate #2 → … → publish → finalize
 * and ends completed/published, all followed live on the detail page; Home then lists the outcome.
 */
import { expect, getRun, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

const STAGE_ORDER = [
  "setup",
  "context",
  "implement",
  "validate #1",
  "repair #1",
  "validate #2",
  "review",
  "review_fix",
  "diff_guard",
  "publish",
  "finalize",
];

test("the first-run panel runs the sample job to a published branch", async ({ page, api }) => {
  const info = (await (await api.get("/api/v1/worker")).json()) as { name: string };
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Home" })).toBeVisible();
  await expect(page.getByTestId("home-worker-name")).toHaveText(info.name);
  await expect(page.getByTestId("home-uptime")).not.toBeEmpty();
  const executors = page.getByRole("table", { name: "Executors" });
  await expect(executors.locator("tbody tr")).toHaveCount(1);
  await expect(executors).toContainText("local");
  await expect(page.getByRole("heading", { name: "Run your first job" })).toBeVisible();

  await page.getByRole("button", { name: "Run the sample job" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = new URL(page.url()).pathname.split("/").pop() ?? "";

  await expect(page.getByTestId("run-status")).toHaveText("completed", { timeout: 30_000 });
  await expect(page.locator(".run-header .tag--sample")).toHaveText("sample");
  await expect(page.getByTestId("run-outcome")).toContainText("published");

  const timeline = page.getByRole("list", { name: "Stage timeline" });
  await expect(timeline.locator(".timeline__label")).toHaveText(STAGE_ORDER);
  await expect(timeline.locator('[data-stage="validate#1"]')).toHaveAttribute("data-status", "failed");
  await expect(timeline.locator('[data-stage="validate#2"]')).toHaveAttribute("data-status", "succeeded");
  await expect(timeline.locator('[data-stage="review#1"]')).toHaveAttribute("data-status", "skipped");

  const history = page.getByRole("table", { name: "State history" }).locator("tbody tr");
  await expect(history).toHaveCount(3);
  expect(await history.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")))).toEqual([
    "queued",
    "running",
    "completed",
  ]);

  // Links that only apply once there is a commit and an audit record.
  await expect(page.getByRole("link", { name: "Patch" })).toHaveAttribute("href", `/api/v1/runs/${runId}/patch`);
  await expect(page.getByRole("link", { name: "Ticket audit" })).toHaveAttribute("href", `/audit/${runId}`);

  // The ledger followed the run while it ran: every event, once, in seq order.
  const { event_count: total } = await getRun(api, runId);
  const ledger = page.getByRole("table", { name: "Events" });
  const seqs = () => ledger.locator("tbody tr").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-seq"))));
  await expect.poll(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));

  // Opened afterwards, it pages: 100 events, then the rest with "Load more events".
  await page.reload();
  await expect(ledger.locator("tbody tr")).toHaveCount(100);
  await expect(ledger.locator("tbody tr").first()).toHaveAttribute("data-seq", "1");
  await page.getByRole("button", { name: "Load more events" }).click();
  await expect(ledger.locator("tbody tr")).toHaveCount(total);
  await expect(page.getByRole("button", { name: "Load more events" })).toHaveCount(0);
  await page.getByLabel("Kind").fill("stage.started");
  await page.getByLabel("Kind").press("Enter");
  await expect(page).toHaveURL(/kind=stage\.started/);
  await expect(ledger.locator("tbody tr").first()).toHaveAttribute("data-kind", "stage.started");
  expect(new Set(await ledger.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind"))))).toEqual(
    new Set(["stage.started"]),
  );

  await page.getByRole("link", { name: "Home" }).click();
  await expect(page.getByRole("heading", { name: "Run your first job" })).toHaveCount(0);
  const outcome = page.getByRole("table", { name: "Recent outcomes" }).locator(`tr[data-run-id="${runId}"]`);
  await expect(outcome).toContainText("SAMPLE-1");
  await expect(outcome).toContainText("published");
  await expect(outcome.locator(".tag--sample")).toHaveText("sample");
  await expect(page.getByText("Nothing is running or queued.")).toBeVisible();
});
