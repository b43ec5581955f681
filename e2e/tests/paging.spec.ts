/** The Runs list pages with the API's cursor: 50 rows first, the rest behind "Load more". */
import { expect, submitJob, test } from "../fixtures/test";

test("load more fetches the next page by cursor", async ({ page, api }) => {
  const keys: string[] = [];
  for (let i = 1; i <= 55; i++) {
    const key = `PAGE-${i}`;
    await submitJob(api, key, `Paged run ${i}`);
    keys.push(key);
  }
  await page.goto("/runs");
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText("PAGE-55");
  await expect(rows.last()).toContainText("PAGE-6");

  await page.getByRole("button", { name: "Load more" }).click();
  await expect(rows).toHaveCount(55);
  await expect(rows.last()).toContainText("PAGE-1");
  await expect(page.getByRole("button", { name: "Load more" })).toHaveCount(0);
  const shown = await rows.locator(".ticket-key").allTextContents();
  expect(shown).toEqual([...keys].reverse());
});
