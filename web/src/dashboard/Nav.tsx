import { ROUTES, ROUTE_LABEL, routeHref, type Route } from "./routes";

/** The pages: links to hash routes, the current one marked for assistive tech. */
export function Nav({ current }: { current: Route }) {
  return (
    <nav className="dash-nav" aria-label="Sections">
      <ul className="dash-nav__list">
        {ROUTES.map((r) => (
          <li key={r}>
            <a
              className={`dash-nav__link${r === current ? " dash-nav__link--current" : ""}`}
              href={routeHref(r)}
              aria-current={r === current ? "page" : undefined}
            >
              {ROUTE_LABEL[r]}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
