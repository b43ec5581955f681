/**
 * "Compliance mode" badge for the audit pages, shown only while the provisioned `compliance_mode`
 * setting is on: then audit and code-audit evidence is never pruned.
 */
import { useComplianceMode } from "../hooks";

export function ComplianceBadge() {
  const on = useComplianceMode();
  if (!on) return null;
  return (
    <span
      className="badge badge--compliance"
      data-testid="compliance-badge"
      title="Compliance mode is on: audit and code-audit evidence is never pruned by the retention policy."
    >
      Compliance mode
    </span>
  );
}
