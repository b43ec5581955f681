/** Shows why a request failed, using the API's error code and message when there is one. */
import { ApiError } from "../api/client";

export function ErrorNotice({ error, title = "Something went wrong" }: { error: unknown; title?: string }) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="notice notice--error" role="alert">
      <strong>{title}</strong>
      <p>
        {message}
        {code ? <code className="notice__code">{code}</code> : null}
      </p>
    </div>
  );
}
