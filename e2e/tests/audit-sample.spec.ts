/**
 * Ticket Audit of the bundled sample job, end to end: the sample runs on a real worker (validate #1
 * fails, repair #1 fixes the rounding, validate #2 passes, publish), then its audit page answers
 * every question from the record, the diff viewer shows the fix, and the JSON download is exactly
 * what the API serves.
 */
import type { APIRequestContext } from "@playwright/test";
import type { TicketAudit } from "../../frontend/src/api/types";
import { expect, getRun, runSample, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

/** Runs the sample job and waits (through the API) until its run has completed. */
async function completedSample(api: APIRequestContext): Promise<{ runId: string; jobId: string }> {
  const { run } = await runSample(api);
  await expect.poll(async () => (await getRun(api, run.id)).status, { timeout: 30_000 }).toBe("completed");
  return { runId: run.id, jobId: run.job_id };
}

async function auditRecord(api: APIRequestContext, runId: string): Promise<TicketAudit> {
  const response = await api.get(`/api/v1/audit/runs/${runId}`);
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as TicketAudit;
}

test("the sample job's audit answers every question, shows the fix and downloads the record", async ({ page, api }) => {
  const { runId, jobId } = await completedSample(api);
  const record = await auditRecord(api, runId);
  expect(record.schema).toBe("mergeloom.ticket-audit.v1");

  // The explanation quotes names in `backticks`; the page shows those as code.
  const explanation = record.outcome.explanation.replaceAll("`", "");
  expect(explanation).toMatch(/published|committed and pushed/i);

  await page.goto(`/audit/${runId}`);
  await expect(page.getByTestId("audit-explanation")).toHaveText(explanation);

  // One section per question, in the seed's order, then diff guard, cost and retention.
  const sections = page.locator("article.audit > section.audit-section");
  await expect(sections).toHaveCount(11);
  expect(await sections.evaluateAll((nodes) => nodes.map((n) => n.id))).toEqual([
    "audit-ticket",
    "audit-repository",
    "audit-provider",
    "audit-stages",
    "audit-validation",
    "audit-repair",
    "audit-files",
    "audit-outcome",
    "audit-diff-guard",
    "audit-usage",
    "audit-retention",
  ]);

  // Which ticket, repository and provider.
  await expect(page.getByTestId("audit-ticket-key")).toHaveText("SAMPLE-1");
  await expect(page.getByTestId("audit-ticket-title")).toHaveText(record.ticket.title);
  await expect(page.getByTestId("audit-repository-name")).toHaveText("sample/sample-shop");
  await expect(page.getByTestId("audit-repository-branch")).toHaveText(record.repository.branch ?? "");
  await expect(page.getByTestId("audit-provider-id")).toHaveText("command");

  // Which stages ran: the timeline and the table agree on validate #1 failed, repair #1, validate #2 passed.
  const stagesSection = page.getByTestId("audit-stages");
  const timeline = stagesSection.getByRole("list", { name: "Stage timeline" });
  await expect(timeline.locator('[data-stage="validate#1"]')).toHaveAttribute("data-status", "failed");
  await expect(timeline.locator('[data-stage="repair#1"]')).toHaveAttribute("data-status", "succeeded");
  await expect(timeline.locator('[data-stage="validate#2"]')).toHaveAttribute("data-status", "succeeded");
  const stageRows = stagesSection.getByRole("table", { name: "Stages" }).locator("tbody tr");
  await expect(stageRows).toHaveCount(record.stages.length);
  const stageRow = (key: string) => stagesSection.locator(`table[aria-label="Stages"] tbody tr[data-stage="${key}"]`);
  await expect(stageRow("validate#1")).toHaveAttribute("data-status", "failed");
  await expect(stageRow("repair#1")).toHaveAttribute("data-status", "succeeded");
  await expect(stageRow("validate#2")).toHaveAttribute("data-status", "succeeded");

  // Whether validation passed: attempt 1 exits 1, attempt 2 exits 0, output tails expand.
  const validation = page.getByTestId("audit-validation");
  await expect(page.getByTestId("audit-validation-verdict")).toHaveText("Passed");
  const firstAttempt = validation.getByRole("table", { name: "Validation validate #1" });
  const secondAttempt = validation.getByRole("table", { name: "Validation validate #2" });
  await expect(firstAttempt.locator("tbody tr").filter({ hasText: "python3 -m unittest -v" })).toHaveAttribute("data-exit-code", "1");
  await expect(secondAttempt.locator("tbody tr").filter({ hasText: "python3 -m unittest -v" })).toHaveAttribute("data-exit-code", "0");
  const tail = firstAttempt.locator("details").first();
  await tail.locator("summary").click();
  await expect(tail.locator("pre")).toBeVisible();
  await expect(tail.locator("pre")).not.toBeEmpty();

  // Whether repair or review fixes ran.
  await expect(page.getByTestId("audit-repair-ran")).toHaveText("yes");
  await expect(page.getByTestId("audit-repair-attempts")).toHaveText(`1 of ${record.repair.max_attempts} allowed`);
  await expect(page.getByTestId("audit-review-fixes")).toHaveText(record.review.fixes_ran ? "yes" : "no");

  // What files and commands: pricing.py modified, and its diff shows the fix.
  const files = page.getByTestId("audit-files");
  const pricing = files.locator('li.diff-file[data-path="pricing.py"]');
  await expect(pricing).toHaveAttribute("data-change", "modified");
  const unified = pricing.getByRole("table", { name: "Diff of pricing.py" });
  await expect(unified.locator('tr[data-kind="add"]').filter({ hasText: "round(" })).toHaveCount(1);
  await expect(unified.locator('tr[data-kind="del"]').filter({ hasText: "return price - percent" })).toHaveCount(1);

  // Split view pairs the removed line with the fix; "new lines only" leaves just the additions.
  await files.getByRole("radio", { name: "Split" }).check();
  const split = pricing.getByRole("table", { name: "Diff of pricing.py" });
  await expect(split).toHaveClass(/diff--split/);
  await expect(split.locator('td[data-kind="add"]').filter({ hasText: "round(" })).toHaveCount(1);
  await files.getByRole("radio", { name: "Unified" }).check();
  await files.getByRole("checkbox", { name: "New lines only" }).check();
  const kinds = await pricing.locator("tr[data-kind]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  expect(new Set(kinds)).toEqual(new Set(["add"]));
  // Per-file collapse hides the diff; opening it again shows it (from cache).
  await pricing.getByRole("button", { name: /pricing\.py/ }).click();
  await expect(pricing.getByRole("table")).toHaveCount(0);
  await pricing.getByRole("button", { name: /pricing\.py/ }).click();
  await expect(pricing.getByRole("table", { name: "Diff of pricing.py" })).toContainText("round(");

  // Commands: the validation command, exit 1 then 0, in the record's order.
  const unittest = files
    .getByRole("table", { name: "Commands" })
    .locator("tbody tr")
    .filter({ hasText: "python3 -m unittest -v" });
  expect(await unittest.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-exit-code")))).toEqual(["1", "0"]);
  // The provider's own commands: the sample agent on implement and on repair.
  await files.getByRole("radio", { name: /^Provider/ }).check();
  const providerRows = files.getByRole("table", { name: "Commands" }).locator("tbody tr");
  expect(await providerRows.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-source")))).toEqual(["provider", "provider"]);
  await expect(providerRows.first()).toContainText("implement #1");
  await expect(providerRows.last()).toContainText("repair #1");

  // Why it completed.
  await expect(page.getByTestId("audit-outcome-status")).toHaveText("completed");
  await expect(page.getByTestId("audit-outcome-reason-code")).toHaveText("published");
  await expect(page.getByTestId("audit-outcome-explanation")).toHaveText(explanation);

  // Retention and links: events are still kept, so the live stream link is offered.
  await expect(page.getByTestId("audit-retention-events")).toContainText("still kept");
  const links = page.getByRole("navigation", { name: "Audit links" });
  await expect(links.getByRole("link", { name: "Run detail" })).toHaveAttribute("href", `/runs/${runId}`);
  await expect(links.getByRole("link", { name: "Live stream" })).toHaveAttribute("href", `/live/${jobId}`);

  // The JSON download is the API's record, with a Content-Disposition.
  const download = links.getByRole("link", { name: "Download JSON" });
  const href = await download.getAttribute("href");
  expect(href).toBe(`/api/v1/audit/runs/${runId}?download=1`);
  const response = await page.request.get(href ?? "");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-disposition"]).toMatch(/attachment/);
  expect(await response.json()).toEqual(await auditRecord(api, runId));
});

test("the sample job appears in the audit list, filters live in the URL and exports follow them", async ({ page, api }) => {
  const { runId } = await completedSample(api);

  await page.goto("/audit");
  await expect(page.getByRole("heading", { name: "Ticket Audit" })).toBeVisible();
  const row = page.getByRole("table", { name: "Audit records" }).locator(`tr[data-run-id="${runId}"]`);
  await expect(row).toContainText("SAMPLE-1");
  await expect(row).toContainText("sample/sample-shop");
  await expect(row).toContainText("published");
  await expect(row.locator('[data-col="validation"]')).toHaveText("passed");
  await expect(row.locator('[data-col="repair"]')).toHaveText("1");

  await page.getByLabel("Validation", { exact: true }).selectOption("failed");
  await expect(page).toHaveURL(/validation=failed/);
  await expect(page.getByText("No audit records match these filters.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Export CSV" })).toHaveAttribute(
    "href",
    "/api/v1/audit/export?format=csv&validation=failed",
  );

  await page.goto("/audit?ticket=SAMPLE-1&repair_ran=true");
  await expect(page.getByLabel("Ticket", { exact: true })).toHaveValue("SAMPLE-1");
  await expect(page.getByLabel("Repair ran", { exact: true })).toHaveValue("true");
  await expect(row).toBeVisible();
  const ndjson = page.getByRole("link", { name: "Export NDJSON" });
  await expect(ndjson).toHaveAttribute("href", "/api/v1/audit/export?format=ndjson&repair_ran=true&ticket=SAMPLE-1");
  const exported = await page.request.get((await ndjson.getAttribute("href")) ?? "");
  expect(exported.status()).toBe(200);
  const lines = (await exported.text()).trim().split("\n");
  expect(lines.map((line) => (JSON.parse(line) as { run_id: string }).run_id)).toEqual([runId]);

  await row.getByRole("link", { name: "SAMPLE-1" }).click();
  await expect(page).toHaveURL(`/audit/${runId}`);
  await expect(page.getByTestId("audit-ticket-key")).toHaveText("SAMPLE-1");
});

test("an unknown run has no audit record", async ({ page }) => {
  await page.goto("/audit/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  await expect(page.getByTestId("audit-not-found")).toContainText("Audit record not found");
});
