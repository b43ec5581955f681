/** Check (readiness now) and Self-test (a tiny real request through the provider) with their results. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ProviderItem } from "../../../api/types";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { checkProvider } from "../api";

export function ProviderActions({ item }: { item: ProviderItem }) {
  const queryClient = useQueryClient();
  const check = useMutation({ mutationFn: () => checkProvider(queryClient, item.id) });
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
        <span role="status" className="muted">
          {check.isSuccess ? `Checked: ${check.data.readiness.status}` : ""}
        </span>
      </div>
      {check.isError ? <ErrorNotice error={check.error} title="Could not check the provider" /> : null}
    </div>
  );
}
