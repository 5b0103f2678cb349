/**
 * The Sluice web console: topics, messages and consumer groups, over the public HTTP API on
 * the page's own origin. Pages are chosen by the URL's hash (`#/overview`, `#/topics`, `#/messages/orders`,
 * `#/groups/billing`), so every view has an address and the browser's back button works.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { GroupsPage } from './pages/groups';
import { MessagesPage } from './pages/messages';
import { OverviewPage } from './pages/overview';
import { TopicsPage } from './pages/topics';
import { ThemeToggle } from './theme';

interface Route {
  readonly page: 'overview' | 'topics' | 'messages' | 'groups';
  readonly name?: string;
}

function parseHash(hash: string): Route {
  const [page, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const name = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  if (page === 'messages' || page === 'groups') return { page, name };
  if (page === 'overview') return { page };
  return { page: 'topics' };
}

const PAGES = [
  { page: 'overview', label: 'Overview' },
  { page: 'topics', label: 'Topics' },
  { page: 'messages', label: 'Messages' },
  { page: 'groups', label: 'Consumer groups' },
] as const;

function App() {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  useEffect(() => {
    const label = PAGES.find((p) => p.page === route.page)?.label;
    document.title = `${route.name ? `${route.name} · ` : ''}${label} · Sluice console`;
  }, [route]);
  return (
    <>
      <button type="button" class="skip" onClick={skipToMain}>
        Skip to content
      </button>
      <header class="bar">
        <span class="brand">Sluice</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map(({ page, label }) => (
              <li key={page}>
                <a href={`#/${page}`} aria-current={route.page === page ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <ThemeToggle />
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'overview' && <OverviewPage />}
        {route.page === 'topics' && <TopicsPage />}
        {route.page === 'messages' && <MessagesPage key={route.name ?? ''} topic={route.name} />}
        {route.page === 'groups' && <GroupsPage key={route.name ?? ''} group={route.name} />}
      </main>
    </>
  );
}

/** A button, not a link: a `#main` link would change the hash the pages are chosen by. */
function skipToMain() {
  document.getElementById('main')?.focus();
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
