/**
 * Cancel and retry from the run page: a job whose agent sleeps stays running until the operator
 * cancels it (with a confirmation); the cancelled run can then be retried as a new attempt.
 */
import type { APIRequestContext } from "@playwright/test";
import { cancelRun, expect, runSample, test } from "../fixtures/test";
import type { JobCreated } from "../fixtures/api";

test.use({ workerOptions: { executors: 1 } });

async function submitSleeper(api: APIRequestContext, repository: string): Promise<JobCreated> {
  const response = await api.post("/api/v1/jobs", {
    data: {
      ticket: { key: "E2E-SLEEP", title: "Sleeps until cancelled" },
      repository: { url: repository },
      provider: { id: "command", command: ["python3", "-c", "import time; time.sleep(60)"] },
      validation: { mode: "off" },
    },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as JobCreated;
}

test("a running run is cancelled from its page, then retried", async ({ page, api }) => {
  // The sample job creates a local repository in the worker's data directory; reuse it.
  const sample = await runSample(api);
  const { run } = await submitSleeper(api, sample.job.repository.url);

  await page.goto(`/runs/${run.id}`);
  const status = page.getByTestId("run-status");
  await expect(status).toHaveText("running", { timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Retry" })).toHaveCount(0);

  await page.getByRole("button", { name: "Cancel run" }).click();
  const confirm = page.getByRole("group", { name: "Confirm cancel" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Yes, cancel run" }).click();

  await expect(status).toHaveText("cancelled", { timeout: 10_000 });
  await expect(page.getByTestId("run-outcome")).toContainText("cancelled_by_user");
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  const history = page.getByRole("table", { name: "State history" }).locator("tbody tr");
  await expect(history.last()).toHaveAttribute("data-status", "cancelled");

  await page.getByRole("button", { name: "Retry" }).click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${run.id}$`));
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name: /E2E-SLEEP Sleeps until cancelled/ })).toBeVisible();
  const retryId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await expect(page.getByText("Attempt", { exact: true }).locator("xpath=following-sibling::dd[1]")).toHaveText("2");
  await cancelRun(api, retryId);
  await expect(status).toHaveText("cancelled");
});
