/**
 * What the server serves at the base path while the page itself is not built in: one
 * HTML page saying where the API is. Same shape as the page's assets (path relative to
 * the base path → content type and body).
 */
export function placeholderAssets(): Map<string, { type: string; body: string | Buffer }> {
  return new Map([
    [
      '/',
      {
        type: 'text/html; charset=utf-8',
        body: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>jobs</title></head>
<body>
<h1>jobs</h1>
<p>The admin page is not part of this build. Its API answers under <a href="api/jobs">api/</a>: see docs/web.md.</p>
</body>
</html>
`,
      },
    ],
  ]);
}
