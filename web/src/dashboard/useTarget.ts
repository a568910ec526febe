import { useEffect, type RefObject } from "react";

/**
 * Scrolls the element of the record id (its data-id, or data-task: an
 * offer's task) within container
 * into view once it is there, each time the id changes (a link followed).
 */
export function useScrollToTarget(container: RefObject<HTMLElement | null>, id: string | null, present: boolean): void {
  useEffect(() => {
    if (!id || !present) return;
    const el = Array.from(container.current?.querySelectorAll<HTMLElement>("[data-id], [data-task]") ?? []).find(
      (e) => e.dataset.id === id || e.dataset.task === id,
    );
    el?.scrollIntoView?.({ block: "center" });
  }, [container, id, present]);
}
