import path from 'node:path';
import express, { type Router } from 'express';

/** A browsable API page at /docs, served entirely from the swagger-ui-dist package (no CDN). */
export function docsRouter(): Router {
  const router = express.Router();
  const assets = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  router.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CarbonPlan API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`);
  });
  // A separate file, not an inline script, so helmet's Content-Security-Policy can stay strict.
  router.get('/docs/init.js', (_req, res) => {
    res.type('application/javascript').send(`window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });`);
  });
  router.use('/docs/assets', express.static(assets, { index: false, maxAge: '1d' }));
  return router;
}
