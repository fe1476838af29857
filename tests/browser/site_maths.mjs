// Open pages of the built website in headless Chromium with the network cut off (every request that is not a
// file:// one is aborted, as in a workshop room with no internet), let MathJax typeset, and report what is left of
// the maths' source on each page: text nodes outside code that still hold \( \) \[ \] or $$.
//
//   node site_maths.mjs --chromium /usr/bin/chromium --out results.json page1.html page2.html ...
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const opt = (name) => args[args.indexOf(name) + 1];
const pages = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));

const browser = await chromium.launch({
  executablePath: opt("--chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const results = [];
try {
  const page = await browser.newPage();
  const blocked = [];
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  for (const path of pages) {
    blocked.length = 0;
    await page.goto(pathToFileURL(path).href, { waitUntil: "load", timeout: 60_000 });
    const typeset = await page
      .waitForFunction(() => window.MathJax?.startup?.promise, null, { timeout: 30_000 })
      .then(() => page.evaluate(() => window.MathJax.startup.promise.then(() => true)))
      .catch(() => false);
    const found = await page.evaluate(() => {
      const left = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.parentElement.closest("script, style, pre, code, mjx-container, .MathJax_Preview")) continue;
        if (/\\\(|\\\)|\\\[|\\\]|\$\$/.test(n.textContent)) left.push(n.textContent.trim().slice(0, 80));
      }
      return { left, rendered: document.querySelectorAll("mjx-container").length };
    });
    results.push({ page: path, typeset, blocked: [...blocked], ...found });
  }
} finally {
  await browser.close();
}
writeFileSync(opt("--out"), JSON.stringify(results, null, 1));
