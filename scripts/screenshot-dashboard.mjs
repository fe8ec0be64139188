#!/usr/bin/env node
// Screenshots a dashboard page for the README: node scripts/screenshot-dashboard.mjs DASHBOARD.html OUT.png
// Debian's Chromium (apt package `chromium`), driven by playwright-core, offline: every request but the
// page itself is refused, so the picture shows exactly what a user opening the file sees.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/screenshot-dashboard.mjs DASHBOARD.html OUT.png');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const url = pathToFileURL(path.resolve(input)).href;
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.goto(url);
  await page.waitForSelector('html[data-charts]');
  await page.screenshot({ path: output, clip: { x: 0, y: 0, width: 1280, height: 900 } });
} finally {
  await browser.close();
}
