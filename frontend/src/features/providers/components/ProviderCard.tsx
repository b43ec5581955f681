/**
 * One provider: name, readiness badge, source (ui or provisioned), default, its readiness checks,
 * model, the edit form, and Check / Self-test with their results.
 */
import type { ProviderItem } from "../../../api/types";
import { StatusBadge } from "../../../components/StatusBadge";
import { DefaultControl } from "./DefaultControl";
import { ProviderActions } from "./ProviderActions";
import { ProviderForm } from "./ProviderForm";
import { ReadinessChecks } from "./ReadinessChecks";

export function ProviderCard({ item, isDefault, now }: { item: ProviderItem; isDefault: boolean; now: number }) {
  const titleId = `provider-${item.id}-title`;
  const model = item.settings.model;
  return (
    <article
      className={`panel provider-card provider-card--${item.readiness.status}`}
      aria-labelledby={titleId}
      data-testid={`provider-${item.id}`}
      data-status={item.readiness.status}
    >
      <header className="provider-card__header">
        <h2 id={titleId}>{item.label}</h2>
        <code className="muted">{item.id}</code>
        <StatusBadge status={item.readiness.status} />
        <span className="tag" title="Where this provider's settings come from" data-testid="provider-source">
          {item.source}
        </span>
        <DefaultControl id={item.id} isDefault={isDefault} />
      </header>
      {model !== undefined ? (
        <p className="provider-card__model">
          Model: <span className="mono">{model ?? "not set"}</span>
        </p>
      ) : null}
      <ReadinessChecks readiness={item.readiness} now={now} />
      <ProviderForm item={item} />
      <ProviderActions item={item} now={now} />
    </article>
  );
}
