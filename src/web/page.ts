// The admin page's files, embedded in the build so `dist/` (the npm package, the Docker
// image) serves them with nothing to find on disk and nothing fetched from outside.
// The page is plain browser JavaScript in ES modules: no framework and no bundling step,
// so what runs in the browser is what is in src/web/page/.
import api from './page/api.js?raw';
import app from './page/app.js?raw';
import css from './page/app.css?raw';
import dom from './page/dom.js?raw';
import failed from './page/failed.js?raw';
import favicon from './page/favicon.svg?raw';
import html from './page/index.html?raw';
import jobs from './page/jobs.js?raw';
import logs from './page/logs.js?raw';
import queues from './page/queues.js?raw';
import runDetail from './page/run-detail.js?raw';
import ui from './page/ui.js?raw';
import workers from './page/workers.js?raw';

export interface PageAsset {
  type: string;
  body: string | Buffer;
}

const JS = 'text/javascript; charset=utf-8';

/** The page's files by path under the base path: `/` is the page itself. */
export function pageAssets(): Map<string, PageAsset> {
  return new Map<string, PageAsset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: css }],
    ['/favicon.svg', { type: 'image/svg+xml', body: favicon }],
    ['/app.js', { type: JS, body: app }],
    ['/api.js', { type: JS, body: api }],
    ['/dom.js', { type: JS, body: dom }],
    ['/ui.js', { type: JS, body: ui }],
    ['/jobs.js', { type: JS, body: jobs }],
    ['/logs.js', { type: JS, body: logs }],
    ['/run-detail.js', { type: JS, body: runDetail }],
    ['/failed.js', { type: JS, body: failed }],
    ['/queues.js', { type: JS, body: queues }],
    ['/workers.js', { type: JS, body: workers }],
  ]);
}
