/**
 * Provisioned configuration in the UI: with compliance mode and a retention setting given by flag,
 * and an OpenAI model given by environment, the settings page shows them locked ("set by flag"),
 * compliance mode as an "on" badge, the audit pages carry the "Compliance mode" badge, and the
 * provider card shows the environment's model read-only with "set by environment".
 */
import { expect, test } from "../fixtures/test";

test.use({
  workerOptions: {
    args: ["--compliance-mode", "--retention-events-days", "7"],
    env: { JCA_OPENAI_MODEL: "provisioned-model" },
  },
});

test("locked settings, compliance mode and provisioned provider fields are read-only", async ({ page }) => {
  await page.goto("/settings");
  const retention = page.getByTestId("settings-group-retention");
  await expect(retention.getByTestId("compliance-state")).toContainText(
    "Compliance mode on — audit evidence is never pruned",
  );
  const days = page.getByTestId("setting-retention_events_days");
  await expect(days).toHaveAttribute("data-source", "flag");
  await expect(days.getByTestId("lock-note")).toHaveText(/set by flag/);
  await expect(page.getByLabel("retention_events_days")).toBeDisabled();
  await expect(page.getByLabel("retention_events_days")).toHaveValue("7");
  await expect(page.getByLabel("retention_audit_days")).toBeEnabled();

  // Keyboard: the nav reaches Providers, and Enter opens it.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Providers" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/providers$/);
  const card = page.getByTestId("provider-openai-compatible");
  const model = card.getByTestId("provider-openai-compatible-model");
  await expect(model.getByTestId("lock-note")).toHaveText(/set by environment/);
  await expect(card.getByLabel("Model")).toHaveValue("provisioned-model");
  await expect(card.getByLabel("Model")).toHaveAttribute("readonly", "");
  await expect(card.getByLabel("Base URL")).toBeEditable();

  await page.goto("/audit");
  await expect(page.getByTestId("compliance-badge")).toHaveText("Compliance mode");
  await page.goto("/audit/code");
  await expect(page.getByTestId("compliance-badge")).toHaveText("Compliance mode");
});

test.describe("without compliance mode", () => {
  test.use({ workerOptions: {} });
  test("the audit pages carry no compliance badge", async ({ page }) => {
    await page.goto("/audit");
    await expect(page.getByRole("heading", { name: "Ticket Audit" })).toBeVisible();
    await expect(page.getByTestId("compliance-badge")).toHaveCount(0);
  });
});
