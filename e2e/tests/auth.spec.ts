/**
 * A worker started with --auth-token: the UI asks for the token, rejects a wrong one, and with
 * the right one loads the list and follows the live stream through the session cookie.
 */
import { expect, submitJob, test } from "../fixtures/test";

const TOKEN = "secret-e2e";

test.use({ workerOptions: { authToken: TOKEN } });

test("the token page gates the UI until the right token is entered", async ({ page, api }) => {
  await page.goto("/runs");
  const tokenInput = page.getByLabel("Token");
  await expect(page.getByRole("heading", { name: "Access token" })).toBeVisible();

  await tokenInput.fill("not-the-token");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong token.");
  await expect(page.getByRole("heading", { name: "Access token" })).toBeVisible();

  await tokenInput.fill(TOKEN);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
  await expect(page.getByText("No runs yet")).toBeVisible();
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByTestId("stream-state")).toHaveText("live");

  const { run } = await submitJob(api, "E2E-AUTH", "Behind a token");
  await expect(page.locator(`tr[data-run-id="${run.id}"]`)).toContainText("E2E-AUTH");
});

test("the API refuses requests without the token", async ({ playwright, worker }) => {
  const anonymous = await playwright.request.newContext({ baseURL: worker.baseURL });
  const response = await anonymous.get("/api/v1/runs");
  expect(response.status()).toBe(401);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  await anonymous.dispose();
});
