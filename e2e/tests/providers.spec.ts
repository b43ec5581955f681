/**
 * The Providers page against a scripted OpenAI-compatible server (fixtures/modelServer.ts): the
 * provider is configured on its card (the stored key is never shown again, only its masked tail),
 * checked, self-tested (the model calls the offered tool with the prompt's token) and made the
 * default; then a job run by it shows its tool calls as cards on the live page.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "../fixtures/test";
import { MODEL_ID, offeredTools, selfTestScript, startModelServer, turnsTaken, type Script } from "../fixtures/modelServer";

test.use({ workerOptions: { executors: 1 } });

const KEY = "sk-e2e-provider-key-7f3a";

/** Self-test requests are answered by `selfTestScript`; a job's implement step lists, writes, then finishes. */
const script: Script = (request) => {
  const tools = offeredTools(request);
  if (tools.includes("echo_token")) return selfTestScript(request);
  // A review step (read-only tools) approves at once.
  if (!tools.includes("write_file")) {
    return { calls: [{ name: "finish", arguments: { summary: "Looks fine", verdict: { approved: true, findings: [] } } }] };
  }
  switch (turnsTaken(request)) {
    case 0:
      return { text: "Looking at the repository first.", calls: [{ name: "list_files", arguments: {} }] };
    case 1:
      return {
        text: "Writing the notes file.",
        calls: [{ name: "write_file", arguments: { path: "NOTES.md", content: "# Notes\n\nWritten by the scripted model.\n" } }],
      };
    default:
      return { calls: [{ name: "finish", arguments: { summary: "Added NOTES.md" } }] };
  }
};

async function makeRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mergeloom-e2e-repo-"));
  await writeFile(join(dir, "README.md"), "# A repository for the providers test\n");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", ...args], { cwd: dir, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  git("add", "README.md");
  git("commit", "-q", "-m", "initial");
  return dir;
}

test("configure, self-test and run a job with the OpenAI-compatible provider", async ({ page, api }) => {
  // Chunks paced so the job is still running when its live page opens (cards appear live).
  const server = await startModelServer(script, { delayMs: 150 });
  const repo = await makeRepo();
  try {
    await page.goto("/providers");
    const card = page.getByTestId("provider-openai-compatible");
    await expect(card.getByRole("heading", { name: "OpenAI-compatible API" })).toBeVisible();
    await expect(card.getByTestId("provider-source")).toHaveText("ui");

    // A client-side check first, then a valid configuration.
    await card.getByLabel("Base URL").fill("ftp://nowhere");
    await card.getByRole("button", { name: "Save" }).click();
    await expect(card.getByTestId("provider-openai-compatible-base_url")).toContainText("must be an http:// or https:// URL");
    await card.getByLabel("Base URL").fill(server.baseURL);
    await card.getByLabel("Model").fill(MODEL_ID);
    await card.getByLabel("API key").fill(KEY);
    await card.getByRole("button", { name: "Save" }).click();

    // The key is stored but never shown: the input is empty, its placeholder names the tail.
    const key = card.getByLabel("API key");
    await expect(key).toHaveAttribute("placeholder", `stored (…${KEY.slice(-4)}) — leave empty to keep`);
    await expect(key).toHaveValue("");
    await expect(page.locator("body")).not.toContainText(KEY);
    const model = card.locator(".provider-card__model");
    await expect(model).toHaveText(`Model: ${MODEL_ID}`);

    await card.getByRole("button", { name: "Check" }).click();
    await expect(card).toHaveAttribute("data-status", "ready");
    await expect(card.getByTestId("readiness-endpoint")).toHaveAttribute("data-result", "passed");

    await card.getByRole("button", { name: "Self-test" }).click();
    const result = card.getByTestId("self-test-result");
    await expect(result).toHaveAttribute("data-ok", "true", { timeout: 20_000 });
    await expect(result.getByTestId("self-test-tool_call")).toHaveAttribute("data-result", "passed");
    await expect(result).toContainText(MODEL_ID);
    expect(server.keys).toContain(KEY);

    // Saving another field with the key input left empty keeps the stored key.
    await card.getByLabel("Model").fill(`${MODEL_ID}-b`);
    await card.getByRole("button", { name: "Save" }).click();
    await expect(model).toHaveText(`Model: ${MODEL_ID}-b`);
    await expect(card.getByLabel("API key")).toHaveAttribute("placeholder", `stored (…${KEY.slice(-4)}) — leave empty to keep`);
    await card.getByLabel("Model").fill(MODEL_ID);
    await card.getByRole("button", { name: "Save" }).click();
    await expect(model).toHaveText(`Model: ${MODEL_ID}`);

    await card.getByRole("button", { name: "Make default" }).click();
    await expect(card.getByTestId("provider-default")).toBeVisible();

    const response = await api.post("/api/v1/jobs", {
      data: {
        ticket: { key: "E2E-42", title: "Add a notes file" },
        repository: { url: repo, base_ref: "main" },
        provider: { id: "openai-compatible" },
        validation: { mode: "off" },
      },
    });
    expect(response.status(), await response.text()).toBe(201);
    const { job } = (await response.json()) as { job: { id: string } };

    await page.goto(`/live/${job.id}`);
    await expect(page.locator(".log-card__argv", { hasText: "list_files" }).first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator(".log-card__argv", { hasText: "write_file" }).first()).toBeVisible();
    await expect(page.getByTestId("live-outcome")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
    expect(server.requests.length).toBeGreaterThanOrEqual(5);
  } finally {
    await server.close();
    await rm(repo, { recursive: true, force: true });
  }
});
