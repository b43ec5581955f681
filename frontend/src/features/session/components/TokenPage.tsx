/**
 * The token page, shown in place of the current page when the worker answers 401. On success the
 * cookie is set, every query refetches and the page the operator was on comes back.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SubmitEvent } from "react";
import { ApiError } from "../../../api/client";
import { createSession } from "../api";
import { sessionStore } from "../store";

function describe(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return "Wrong token.";
  return error instanceof Error ? error.message : "Sign-in failed.";
}

export function TokenPage() {
  const queryClient = useQueryClient();
  const [token, setToken] = useState("");
  const session = useMutation({
    mutationFn: createSession,
    onSuccess: async () => {
      sessionStore.tokenAccepted();
      await queryClient.invalidateQueries();
    },
  });

  const onSubmit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (token.trim() !== "") session.mutate(token.trim());
  };

  return (
    <section className="page token-page">
      <h1>Access token</h1>
      <p className="muted">This worker requires its access token. It is kept in an HttpOnly cookie for this browser.</p>
      <form className="token-form" onSubmit={onSubmit}>
        <label className="field">
          <span>Token</span>
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            autoFocus
            value={token}
            onChange={(e) => {
              setToken(e.target.value);
            }}
          />
        </label>
        <button type="submit" className="button button--primary" disabled={session.isPending || token.trim() === ""}>
          {session.isPending ? "Checking…" : "Continue"}
        </button>
        {session.isError ? (
          <p className="form-error" role="alert">
            {describe(session.error)}
          </p>
        ) : null}
      </form>
    </section>
  );
}
