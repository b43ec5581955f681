/**
 * Check (readiness now, free) and, for the API providers, Self-test (a tiny real request that
 * must call a tool; it spends a few tokens), with their results.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ProviderItem } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { checkProvider, SELF_TEST_KINDS, selfTestProvider } from "../api";
import { SelfTestReport } from "./SelfTestReport";

export function ProviderActions({ item, now }: { item: ProviderItem; now: number }) {
  const queryClient = useQueryClient();
  const check = useMutation({ mutationFn: () => checkProvider(queryClient, item.id) });
  const selfTest = useMutation({ mutationFn: () => selfTestProvider(item.id) });
  const canSelfTest = SELF_TEST_KINDS.includes(item.kind);
  return (
    <div className="provider-actions">
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={check.isPending}
          onClick={() => {
            check.mutate();
          }}
        >
          {check.isPending ? "Checking…" : "Check"}
        </button>
        {canSelfTest ? (
          <button
            type="button"
            className="button"
            disabled={selfTest.isPending}
            title="Sends one tiny request that must call a tool; spends a few tokens"
            onClick={() => {
              selfTest.mutate();
            }}
          >
            {selfTest.isPending ? "Testing…" : "Self-test"}
          </button>
        ) : null}
        <span role="status" className="muted">
          {check.isSuccess ? `Checked: ${check.data.readiness.status}` : ""}
        </span>
      </div>
      {check.isError ? <ErrorNotice error={check.error} title="Could not check the provider" /> : null}
      {selfTest.isError ? <ErrorNotice error={selfTest.error} title="Could not run the self-test" /> : null}
      {selfTest.isSuccess ? <SelfTestReport result={selfTest.data} now={now} /> : null}
    </div>
  );
}
