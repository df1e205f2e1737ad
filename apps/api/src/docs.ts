import path from 'node:path';
import { Router } from 'express';
import { VidgenError } from '@vidgen/core';
import { route } from './middleware/errors';

/** Where swagger-ui-dist's prebuilt files are (its package has no exports map). */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist /docs serves, by the name it serves them under. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'swagger-ui.css',
  'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'favicon-32x32.png': 'favicon-32x32.png',
};

/**
 * The page's policy: its own scripts and styles only, the document fetched from this origin.
 * Swagger UI renders with React, whose `style` props are CSSOM writes (not blocked by style-src);
 * its icons are inline SVG and data: images. Nothing third-party: no CDN, no validator badge
 * (validatorUrl: null in docs.js), no fonts from elsewhere.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vidgen API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<main id="docs"></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

// No inline script (the CSP forbids it): the page loads this file, which starts Swagger UI on the served document.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#docs',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/**
 * GET /docs: the OpenAPI document rendered by Swagger UI, from the swagger-ui-dist package served
 * by this API (no CDN), under a CSP that allows nothing from another origin. Public, like
 * /api/v1/openapi.json; "Try it out" sends the key given under "Authorize".
 */
export function createDocsRouter(): Router {
  const router = Router();
  const csp: Router = Router();
  csp.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  router.use('/docs', csp);
  route(router, '/docs', {
    get: (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(PAGE);
    },
  });
  route(router, '/docs/docs.js', {
    get: (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/javascript').send(INIT);
    },
  });
  route(router, '/docs/assets/:file', {
    get: (req, res, next) => {
      const name = String(req.params.file);
      // Own keys only: "constructor" and friends are not files.
      const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (!file) return next(new VidgenError('ROUTE_NOT_FOUND'));
      // dotfiles: the package sits under node_modules/.pnpm; the file names are ours, not the client's.
      res.sendFile(path.join(SWAGGER_UI_DIR, file), { maxAge: '1h', dotfiles: 'allow' });
    },
  });
  return router;
}
