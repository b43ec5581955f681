/** Client routes. Every path renders inside the shell; unknown ones get the not-found page. */
import { createBrowserRouter } from "react-router";
import { AuditDetailPage, AuditListPage } from "../features/audit";
import { HealthPage } from "../features/health";
import { HomePage } from "../features/home";
import { LivePage } from "../features/live";
import { ProvidersPage } from "../features/providers";
import { RunDetailPage, RunsPage } from "../features/runs";
import { SettingsPage } from "../features/settings";
import { Loading } from "../components/Loading";
import { NotFoundPage } from "./NotFoundPage";
import { RouteError } from "./RouteError";
import { Shell } from "./Shell";

export function createRouter() {
  return createBrowserRouter([
    {
      element: <Shell />,
      errorElement: <RouteError />,
      // Shown while a lazy route's code loads on the first page of a visit.
      hydrateFallbackElement: <Loading />,
      children: [
        { index: true, element: <HomePage /> },
        { path: "runs", element: <RunsPage /> },
        { path: "runs/:runId", element: <RunDetailPage /> },
        { path: "live/:jobId", element: <LivePage /> },
        { path: "audit", element: <AuditListPage /> },
        { path: "audit/:runId", element: <AuditDetailPage /> },
        // Code Audit is loaded on first visit: its own chunk keeps the main bundle small.
        {
          path: "audit/code",
          lazy: async () => ({ Component: (await import("../features/code-audit")).CodeAuditListPage }),
        },
        {
          path: "audit/code/:repoId",
          lazy: async () => ({ Component: (await import("../features/code-audit")).CodeAuditRepoPage }),
        },
        { path: "health", element: <HealthPage /> },
        { path: "providers", element: <ProvidersPage /> },
        { path: "settings", element: <SettingsPage /> },
        { path: "*", element: <NotFoundPage /> },
      ],
    },
  ]);
}
