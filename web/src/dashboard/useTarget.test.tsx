// @vitest-environment jsdom
import { render } from "@testing-library/react";
import { useRef } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { STACKED_MEDIA, useScrollToTarget, useShowDetail } from "./useTarget";

function Page({ target, shown }: { target: string | null; shown: string | null }) {
  const ref = useRef<HTMLElement>(null);
  useScrollToTarget(ref, target, target !== null);
  useShowDetail(ref, shown);
  return (
    <section ref={ref}>
      <div className="dash-split">
        <ul className="dash-split__list">
          <li data-id="A">A</li>
          <li data-id="B">B</li>
        </ul>
        <div className="dash-split__detail">{shown && <h3>{shown}</h3>}</div>
      </div>
    </section>
  );
}

/** Records which elements were scrolled into view, and how. */
function spyScrolls() {
  const scrolled: { what: string; block: unknown }[] = [];
  HTMLElement.prototype.scrollIntoView = function (this: HTMLElement, arg?: boolean | ScrollIntoViewOptions) {
    scrolled.push({ what: this.dataset.id ?? this.className, block: typeof arg === "object" ? arg.block : arg });
  };
  return scrolled;
}

const media = (phone: boolean) =>
  vi.stubGlobal("matchMedia", (q: string) => ({ matches: phone && q === STACKED_MEDIA, addEventListener() {}, removeEventListener() {} }));

afterEach(() => {
  vi.unstubAllGlobals();
  delete (HTMLElement.prototype as Partial<HTMLElement>).scrollIntoView;
});

describe("scrolling to a record", () => {
  const cases = [
    { name: "a link on a wide screen centres the row", phone: false, target: "B", shown: "B", want: [{ what: "B", block: "center" }] },
    {
      name: "a link on a phone shows the detail (stacked above the list)",
      phone: true,
      target: "B",
      shown: "B",
      want: [
        { what: "dash-split__detail", block: "start" },
        { what: "dash-split__detail", block: "start" },
      ],
    },
    { name: "a row chosen on a phone shows the detail", phone: true, target: null, shown: "A", want: [{ what: "dash-split__detail", block: "start" }] },
    { name: "a row chosen on a wide screen scrolls nothing", phone: false, target: null, shown: "A", want: [] },
    { name: "nothing chosen scrolls nothing", phone: true, target: null, shown: null, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      media(c.phone);
      const scrolled = spyScrolls();
      render(<Page target={c.target} shown={c.shown} />);
      expect(scrolled).toEqual(c.want);
    });
  }
});
