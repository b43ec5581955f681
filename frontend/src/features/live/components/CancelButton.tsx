/** Cancel for an active run on the live page: the runs feature's cancel action, toolbar-sized. */
import { isActiveStatus, type Run } from "../../../api/types";
import { CancelAction } from "../../runs";

export function CancelButton({ run }: { run: Run }) {
  if (!isActiveStatus(run.status)) return null;
  return <CancelAction run={run} small />;
}
