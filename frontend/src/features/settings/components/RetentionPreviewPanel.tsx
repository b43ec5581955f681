/**
 * The preview of the next prune under the policy as edited (unsaved retention edits are sent as
 * overrides, after typing settles), with a note when compliance mode keeps evidence.
 */
import { useQuery } from "@tanstack/react-query";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useDebounced } from "../../../lib/useDebounced";
import { retentionPreviewQuery } from "../retentionApi";
import { RetentionFigures } from "./RetentionFigures";

export function RetentionPreviewPanel({ query }: { query: string }) {
  const settled = useDebounced(query, 300);
  const preview = useQuery(retentionPreviewQuery(settled));
  return (
    <section className="retention-preview" aria-labelledby="retention-preview-title" aria-busy={preview.isFetching}>
      <h3 id="retention-preview-title">
        What the next prune would remove{settled ? " (with your unsaved edits)" : ""}
      </h3>
      {preview.isPending ? (
        <Loading label="Computing the preview…" />
      ) : preview.isError ? (
        <ErrorNotice error={preview.error} title="Could not compute the preview" />
      ) : (
        <>
          <RetentionFigures figures={preview.data} testId="retention-preview" />
          {preview.data.blocked_by_compliance ? (
            <p className="muted">Compliance mode keeps audit and code-audit evidence this policy would otherwise remove.</p>
          ) : null}
        </>
      )}
    </section>
  );
}
