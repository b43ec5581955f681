/** The paged audit list for the given filters, flattened for rendering. */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { auditListQuery } from "../api";
import type { AuditFilters } from "../filters";
import type { AuditListItem } from "../../../api/types";

export function useAuditList(filters: AuditFilters) {
  const query = useInfiniteQuery(auditListQuery(filters));
  const items = useMemo<AuditListItem[]>(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { ...query, items };
}
