/**
 * `/providers`: a card per provider kind with its readiness, source and locked fields, model, edit
 * form, Check and Self-test, and which one is the default for jobs that name none.
 */
import { useQuery } from "@tanstack/react-query";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { Loading } from "../../../components/Loading";
import { useNow } from "../../../lib/useNow";
import { providersQuery } from "../api";
import { ProviderCard } from "./ProviderCard";

export function ProvidersPage() {
  const now = useNow(30_000);
  const providers = useQuery(providersQuery());
  return (
    <section className="page providers-page">
      <header className="page__header">
        <h1>Providers</h1>
        <p className="page__lede muted">
          The AI coding providers this worker can run. Fields provisioned by environment are locked; stored secrets are
          never shown.
        </p>
      </header>
      {providers.isPending ? (
        <Loading label="Loading providers…" />
      ) : providers.isError ? (
        <ErrorNotice error={providers.error} title="Could not load the providers" />
      ) : (
        <div className="provider-cards">
          {providers.data.items.map((item) => (
            <ProviderCard key={item.id} item={item} isDefault={item.is_default} now={now} />
          ))}
        </div>
      )}
    </section>
  );
}
