/** Shown inside the shell for client routes that do not exist (yet). */
import { Link, useLocation } from "react-router";

export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p className="muted">
        Nothing lives at <code>{pathname}</code>. <Link to="/runs">Go to Runs</Link>.
      </p>
    </section>
  );
}
