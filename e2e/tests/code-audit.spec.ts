/**
 * Code Audit of the bundled sample job, end to end: the sample runs on a real worker and publishes
 * its branch; its lines are evidence, pending until the branch reaches the sample repository's
 * main. The test merges the branch with git (as a reviewer would), reconciles from the page, and
 * checks that the lines are `current`, that the file view's gutter markers lead to the run's
 * Ticket Audit, and that the CSV export lists them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { expect, getRun, runSample, test } from "../fixtures/test";

test.use({ workerOptions: { executors: 1 } });

/** Git without the user's or the system's configuration, hooks or prompts. */
function git(args: string[], cwd?: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
    },
  });
}

/** Merges `branch` of the bare repository `remote` into its main with a merge commit. */
function mergeIntoMain(remote: string, branch: string): void {
  const dir = mkdtempSync(join(tmpdir(), "mergeloom-e2e-merge-"));
  try {
    git(["clone", "--quiet", "--branch", "main", "--", remote, dir]);
    git(
      ["-c", "user.name=E2E Reviewer", "-c", "user.email=e2e@example.invalid", "merge", "--no-ff", "--quiet", "-m", `Merge ${branch}`, `origin/${branch}`],
      dir,
    );
    git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function completedSample(api: APIRequestContext) {
  const { run } = await runSample(api);
  await expect.poll(async () => (await getRun(api, run.id)).status, { timeout: 30_000 }).toBe("completed");
  return getRun(api, run.id);
}

/** A CSV line split into cells (the export quotes cells with commas, quotes or newlines). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line.charAt(i + 1) === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell);
      cell = "";
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

test("the sample job's merged lines are current, lead to its run, and are exported", async ({ page, api }) => {
  const run = await completedSample(api);
  expect(run.outcome?.reason_code).toBe("published");
  const branch = run.branch ?? "";
  expect(branch).not.toBe("");

  // Published but not merged: the repository is listed, its lines are not current yet.
  await page.goto("/audit/code");
  await expect(page.getByRole("heading", { name: "Code Audit" })).toBeVisible();
  const row = page.getByTestId("code-repo-row").filter({ hasText: "sample/sample-shop" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(run.repository.url);

  mergeIntoMain(run.repository.url, branch);

  await row.getByRole("link", { name: "sample/sample-shop" }).click();
  await expect(page).toHaveURL(/\/audit\/code\/[^/?]+$/);
  await expect(page.getByRole("heading", { name: "sample/sample-shop" })).toBeVisible();
  for (const status of ["current", "moved", "superseded", "deleted", "unknown", "pending", "waiting_for_workspace"]) {
    await expect(page.getByTestId(`code-count-${status}`)).toBeVisible();
  }

  // Reconcile now: the page follows the job until it ends, then shows the merged lines as current.
  await page.getByTestId("code-reconcile").click();
  await expect(page.getByTestId("code-count-current")).toHaveAttribute("data-count", /^[1-9]\d*$/, { timeout: 30_000 });
  await expect(page.getByTestId("code-count-pending")).toHaveAttribute("data-count", "0");
  // The job the button queued is listed (cause `api`) and succeeded; none failed.
  const jobs = page.getByTestId("code-reconciliation-row");
  await expect(jobs.and(page.locator('[data-cause="api"][data-status="succeeded"]'))).toHaveCount(1);
  await expect(jobs.and(page.locator('[data-status="failed"]'))).toHaveCount(0);
  await expect(page.getByTestId("code-tracked-branch")).toHaveText("main");

  // The fixed file is listed with current lines; opening it puts it in the URL.
  const file = page.locator('[data-testid="code-file-row"][data-path="pricing.py"]');
  await expect(file).toHaveCount(1);
  await expect(file.locator('[data-col="current"]')).not.toHaveText("0");
  await file.getByRole("link", { name: "pricing.py" }).click();
  await expect(page).toHaveURL(/[?&]file=pricing\.py/);

  // The file view marks the attributed lines; a marker's popover names the ticket and links the run.
  const view = page.getByTestId("code-file-view");
  const markers = view.getByTestId("gutter-marker");
  await expect(markers.first()).toBeVisible();
  expect(await markers.count()).toBeGreaterThan(0);
  await expect(markers.first()).toHaveAttribute("data-status", "current");
  await expect(markers.first()).toHaveAttribute("data-run-id", run.id);
  const roundLine = view.locator(".code-line").filter({ hasText: "round(" });
  await expect(roundLine.getByTestId("gutter-marker")).toHaveCount(1);

  await markers.first().hover();
  const popover = page.getByTestId("line-evidence");
  await expect(popover).toBeVisible();
  await expect(popover.getByTestId("line-evidence-ticket")).toHaveText("SAMPLE-1");
  await expect(popover.getByTestId("line-evidence-audit")).toHaveAttribute("href", `/audit/${run.id}`);
  await expect(popover.getByTestId("line-evidence-run")).toHaveAttribute("href", `/runs/${run.id}`);

  // Keyboard: Enter on the focused marker pins the popover (its line goes into the URL), Escape closes it.
  await markers.first().focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]line=\d+/);
  await expect(popover.getByRole("button", { name: "Close" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page).not.toHaveURL(/[?&]line=/);

  // Pinned with a click, the popover's link opens the run's Ticket Audit.
  await roundLine.getByTestId("gutter-marker").click();
  await popover.getByTestId("line-evidence-audit").click();
  await expect(page).toHaveURL(`/audit/${run.id}`);
  await expect(page.getByTestId("audit-ticket-key")).toHaveText("SAMPLE-1");
  await page.goBack();
  await expect(page.getByTestId("code-file-view")).toBeVisible();

  // The CSV export lists the run's lines as current.
  const csvLink = page.getByTestId("code-export-csv-ranges");
  const href = (await csvLink.getAttribute("href")) ?? "";
  expect(href).toMatch(/^\/api\/v1\/code-audit\/export\?repository=[^&]+&format=csv&level=ranges$/);
  const response = await page.request.get(href);
  expect(response.status()).toBe(200);
  expect(response.headers()["content-disposition"]).toMatch(/attachment/);
  const [header = "", ...rows] = (await response.text()).split(/\r?\n/).filter((line) => line !== "");
  const columns = csvCells(header);
  expect(columns).toEqual(expect.arrayContaining(["path", "status", "run_id", "ticket_key", "start_line", "end_line"]));
  const records = rows.map((line) => {
    const cells = csvCells(line);
    return Object.fromEntries(columns.map((name, i) => [name, cells[i] ?? ""]));
  });
  const mine = records.filter((r) => r.run_id === run.id);
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.filter((r) => r.status === "current" && r.path === "pricing.py").length).toBeGreaterThan(0);
  expect(mine.every((r) => r.ticket_key === "SAMPLE-1")).toBe(true);
});

test("an empty worker explains where Code Audit evidence comes from", async ({ page }) => {
  await page.goto("/audit/code");
  await expect(page.getByTestId("code-audit-empty")).toContainText("POST /api/v1/code-audit/evidence");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Code Audit" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit", exact: true })).not.toHaveAttribute("aria-current", "page");
});
