import { useEffect, type RefObject } from "react";

/** Where the list and the record's detail stack (dashboard.css): the detail comes first there. */
export const STACKED_MEDIA = "(max-width: 640px)";

/**
 * Scrolls the element of the record id (its data-id, or data-task: an
 * offer's task) within container into view once it is there, each time
 * the id changes (a link followed). On a phone, where a page's list and
 * detail stack, the detail (.dash-split__detail, above the list there) is
 * scrolled to instead: the record itself, not its row far down the list.
 */
export function useScrollToTarget(container: RefObject<HTMLElement | null>, id: string | null, present: boolean): void {
  useEffect(() => {
    if (!id || !present) return;
    const root = container.current;
    const stacked = typeof globalThis.matchMedia === "function" && globalThis.matchMedia(STACKED_MEDIA).matches;
    const detail = stacked ? root?.querySelector<HTMLElement>(".dash-split__detail") : null;
    if (detail) {
      detail.scrollIntoView?.({ block: "start" });
      return;
    }
    const el = Array.from(root?.querySelectorAll<HTMLElement>("[data-id], [data-task]") ?? []).find(
      (e) => e.dataset.id === id || e.dataset.task === id,
    );
    el?.scrollIntoView?.({ block: "center" });
  }, [container, id, present]);
}

/**
 * On a phone, scrolls a page's record detail (.dash-split__detail within
 * container) into view when the record shown there changes to another
 * one (shown: its id, null for none): a row clicked far down the list
 * shows its record, which stacks above the list.
 */
export function useShowDetail(container: RefObject<HTMLElement | null>, shown: string | null): void {
  useEffect(() => {
    if (!shown) return;
    if (typeof globalThis.matchMedia !== "function" || !globalThis.matchMedia(STACKED_MEDIA).matches) return;
    container.current?.querySelector<HTMLElement>(".dash-split__detail")?.scrollIntoView?.({ block: "start" });
  }, [container, shown]);
}
