/**
 * Whether this provider is the default (used by jobs that name none), and a "Make default" action
 * that sets the `default_provider` setting. When that setting is locked it is shown locked.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { LockNote } from "../../../components/LockNote";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { saveSettings, useSetting } from "../../settings";
import { providerKeys } from "../api";

export function DefaultControl({ id, isDefault }: { id: string; isDefault: boolean }) {
  const queryClient = useQueryClient();
  const setting = useSetting("default_provider");
  const makeDefault = useMutation({
    mutationFn: () => saveSettings(queryClient, { default_provider: id }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providerKeys.all }),
  });
  if (isDefault) {
    return (
      <span className="provider-default">
        <span className="badge badge--default" data-testid="provider-default">
          default
        </span>
        {setting?.locked ? <LockNote source={setting.source} /> : null}
      </span>
    );
  }
  if (!setting || setting.locked) return null;
  return (
    <span className="provider-default">
      <button
        type="button"
        className="button button--small"
        disabled={makeDefault.isPending}
        onClick={() => {
          makeDefault.mutate();
        }}
      >
        Make default
      </button>
      {makeDefault.isError ? <ErrorNotice error={makeDefault.error} title="Could not change the default" /> : null}
    </span>
  );
}
