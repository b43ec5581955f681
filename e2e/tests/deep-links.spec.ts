/**
 * Client routes opened directly (a bookmark, a pasted link) load the app shell from the worker
 * rather than a server 404; API paths never do.
 */
import { expect, submitJob, test } from "../fixtures/test";

test("a run's URL opened directly shows that run", async ({ page, api }) => {
  const { run } = await submitJob(api, "E2E-3", "Deep link");
  const response = await page.goto(`/runs/${run.id}`);
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("link", { name: "MergeLoom worker" })).toBeVisible();
  await expect(page.getByRole("heading", { name: /E2E-3 Deep link/ })).toBeVisible();
});

test("an unknown run id shows 'run not found' inside the shell", async ({ page }) => {
  const response = await page.goto("/runs/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("link", { name: "MergeLoom worker" })).toBeVisible();
  await expect(page.getByText("Run not found")).toBeVisible();
});

test("an unknown client path loads the shell, which shows its own not-found page", async ({ page }) => {
  const response = await page.goto("/no-such-page/x");
  expect(response?.status()).toBe(200);
  expect(response?.headers()["content-type"]).toContain("text/html");
  await expect(page.getByRole("link", { name: "MergeLoom worker" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test("/live/<unknown job> loads the shell, which says the job is not found", async ({ page }) => {
  const response = await page.goto("/live/x");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("link", { name: "MergeLoom worker" })).toBeVisible();
  await expect(page.getByText("Job not found")).toBeVisible();
});

test("unknown API paths answer the JSON 404, never the app", async ({ api }) => {
  const response = await api.get("/api/v1/no-such-thing");
  expect(response.status()).toBe(404);
  const body = (await response.json()) as { error: { code: string } };
  expect(body.error.code).toBe("not_found");
});
