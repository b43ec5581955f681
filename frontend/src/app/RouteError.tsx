/** The router's error boundary: a render error shows here instead of a blank page. */
import { Link, useRouteError } from "react-router";
import { ErrorNotice } from "../components/ErrorNotice";

export function RouteError() {
  const error = useRouteError();
  return (
    <main className="main">
      <ErrorNotice error={error} title="This page failed to render" />
      <p>
        <Link to="/runs">Go to Runs</Link>
      </p>
    </main>
  );
}
