/**
 * The frame of one audit section: a panel whose heading is the question it answers, with an id
 * for the page's contents list; and the definition-list rows most sections are made of.
 */
import type { ReactNode } from "react";

interface Props {
  id: string;
  title: string;
  children: ReactNode;
}

export function AuditSection({ id, title, children }: Props) {
  return (
    <section className="panel audit-section" id={id} aria-labelledby={`${id}-title`} data-testid={id}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
    </section>
  );
}

export function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

/** A commit id shortened for reading, whole in its title. */
export function Commit({ sha }: { sha: string | null | undefined }) {
  if (!sha) return <span className="muted">—</span>;
  return (
    <code title={sha}>{sha.slice(0, 12)}</code>
  );
}
