// Open notebooks in a running JupyterLab with headless Chromium, run all their cells, and report what
// a learner would see: errors, widgets that failed to render, figures. Driven by tests/test_browser.py.
//
//   node run_lessons.mjs --url http://127.0.0.1:PORT --token TOKEN --out DIR [--timeout SECONDS] NOTEBOOK...
//
// NOTEBOOK paths are relative to the server's root_dir. Writes DIR/results.json (one entry per notebook)
// and DIR/<notebook name>.png (the whole notebook after running). The server must be started with
// --LabApp.expose_app_in_browser=True (the driver talks to window.jupyterapp) and autosave off (the
// notebooks are never saved: their outputs must not end up in the repository).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { chromium } from "playwright-core";

function parseArgs(argv) {
  const opts = { timeout: 300, notebooks: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--url") opts.url = argv[++i];
    else if (a === "--token") opts.token = argv[++i];
    else if (a === "--out") opts.out = argv[++i];
    else if (a === "--timeout") opts.timeout = Number(argv[++i]);
    else if (a === "--chromium") opts.chromium = argv[++i];
    else opts.notebooks.push(a);
  }
  if (!opts.url || !opts.token || !opts.out || opts.notebooks.length === 0) {
    throw new Error("usage: run_lessons.mjs --url URL --token TOKEN --out DIR [--timeout S] NOTEBOOK...");
  }
  opts.chromium = opts.chromium || process.env.CHROMIUM || "/usr/bin/chromium";
  return opts;
}

const log = (...a) => console.error(`[browser ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --------------------------------------------------------------------------- code run inside the page

// Open a notebook with the python3 kernel and wait until the kernel is ready.
async function openNotebook(path) {
  const app = window.jupyterapp;
  const panel = await app.commands.execute("docmanager:open", {
    path,
    factory: "Notebook",
    kernel: { name: "python3" },
  });
  window.__panel = panel;
  await panel.context.ready;
  await panel.sessionContext.ready;
  app.shell.activateById(panel.id);
  app.shell.collapseLeft(); // the notebook gets the whole width (and the screenshot shows it)
  return panel.sessionContext.session?.kernel?.name ?? null;
}

// Where the run is: kernel status, cells running ([*]) and executed.
function runState() {
  const panel = window.__panel;
  const cells = panel.content.widgets.filter((c) => c.model.type === "code");
  const prompt = (c) => c.node.querySelector(".jp-InputArea-prompt")?.textContent ?? "";
  return {
    kernel: panel.sessionContext.session?.kernel?.status ?? "none",
    code: cells.length,
    running: cells.filter((c) => prompt(c).includes("*")).length,
    executed: cells.filter((c) => c.model.executionCount !== null).length,
  };
}

// Widget outputs whose view has not finished loading yet.
function widgetsPending() {
  const nodes = window.__panel.content.node.querySelectorAll(".jp-OutputArea-output");
  return [...nodes].filter((n) => (n.textContent ?? "").startsWith("Loading widget")).length;
}

// Height of the notebook's content, to size the viewport so that every cell is on screen.
function contentHeight() {
  const panel = window.__panel;
  const scroller = panel.content.node.querySelector(".jp-WindowedPanel-outer") ?? panel.content.node;
  scroller.scrollTop = 0;
  return scroller.scrollHeight;
}

// Everything the test asserts, read from the notebook's model (what ran) and its DOM (what is shown).
function inspect() {
  const WIDGET_MIME = "application/vnd.jupyter.widget-view+json"; // functions run in the page: no closures
  const panel = window.__panel;
  const root = panel.content.node;
  const out = {
    code_cells: 0,
    executed_cells: 0,
    errors: [], // error outputs in the model: {cell, ename, evalue}
    tracebacks: [], // stderr outputs on screen that show a Traceback
    glyph_warnings: [], // stderr outputs on screen with matplotlib's "Glyph ... missing from font" warning
    widget_outputs: 0, // widget views the kernel displayed
    widgets_rendered: 0, // ... that show a rendered view
    widget_problems: [], // {cell, problem} for views that did not render
    error_displaying_widget: 0, // "Error displaying widget" anywhere on the page
    figure_outputs: 0, // image/png outputs in the model
    images: 0, // <img> elements inside outputs (figures, also inside widgets)
    broken_images: 0,
    detached_cells: 0,
    windowing_mode: panel.content.notebookConfig?.windowingMode ?? null, // from the settings (binder/lab-settings/overrides.json)
  };
  panel.content.widgets.forEach((cell, i) => {
    if (!cell.node.isConnected) out.detached_cells++;
    if (cell.model.type !== "code") return;
    out.code_cells++;
    if (cell.model.executionCount !== null) out.executed_cells++;
    for (const o of cell.model.outputs.toJSON()) {
      if (o.output_type === "error") out.errors.push({ cell: i, ename: o.ename, evalue: o.evalue });
      if (o.data && o.data[WIDGET_MIME]) out.widget_outputs++;
      if (o.data && o.data["image/png"]) out.figure_outputs++;
    }
    for (const n of cell.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
      const text = n.textContent ?? "";
      if (text.includes("Traceback")) out.tracebacks.push({ cell: i, text: text.slice(0, 600) });
      if (/missing from font|does not have a glyph/.test(text)) out.glyph_warnings.push({ cell: i, text: text.slice(0, 300) });
    }
    // A widget output's renderer carries no data-mime-type: find it by the output's index.
    cell.model.outputs.toJSON().forEach((o, k) => {
      if (!(o.data && o.data[WIDGET_MIME])) return;
      const node = cell.outputArea.widgets[k]?.node.querySelector(".jp-OutputArea-output");
      const text = (node?.innerText ?? "").trim();
      let problem = null;
      if (!node) problem = "no output node";
      else if (text.startsWith("Loading widget")) problem = "still loading";
      else if (text.startsWith("Error displaying widget")) problem = text;
      else if (node.querySelector(".jupyter-widgets-error-widget")) problem = "error view: " + text;
      else if (!node.querySelector(".jupyter-widgets")) problem = "no widget view: " + text;
      if (problem) out.widget_problems.push({ cell: i, problem: problem.slice(0, 200) });
      else out.widgets_rendered++;
    });
  });
  // The widget renderer writes this message as its own text when a view cannot be made (nested outputs too).
  for (const n of root.querySelectorAll(".jp-OutputArea-output")) {
    const own = [...n.childNodes].filter((c) => c.nodeType === Node.TEXT_NODE).map((c) => c.textContent).join("");
    if (own.includes("Error displaying widget")) out.error_displaying_widget++;
  }
  for (const img of root.querySelectorAll(".jp-OutputArea-output img")) {
    out.images++;
    if (!(img.complete && img.naturalWidth > 0)) out.broken_images++;
  }
  return out;
}

// Shut the kernel down and close the tab without saving (outputs never reach the file on disk).
async function closeNotebook() {
  const panel = window.__panel;
  await panel.sessionContext.shutdown();
  panel.context.model.dirty = false;
  panel.close();
  window.__panel = null;
}

// --------------------------------------------------------------------------- the driver

async function runOne(page, path, opts) {
  // notebooks/zh-CN/01_x.ipynb -> zh-CN_01_x: the editions' screenshots do not overwrite the English ones
  const name = path.replace(/^notebooks\//, "").replace(/\.ipynb$/, "").replaceAll("/", "_");
  const result = { notebook: path, name, timed_out: false, page_errors: [] };
  const t0 = Date.now();
  result.kernel = await page.evaluate(openNotebook, path);
  await page.waitForFunction(() => window.__panel.sessionContext.session?.kernel?.status === "idle", null, {
    timeout: 120_000,
  });
  result.open_s = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  await page.evaluate(() => {
    // Not awaited: runAll resolves only at the end, and we watch the cells instead.
    window.jupyterapp.commands.execute("notebook:run-all-cells");
  });
  // Done = kernel idle and no cell running, twice in a row a second apart.
  let quiet = 0;
  let state;
  const deadline = t1 + opts.timeout * 1000;
  await sleep(1000);
  while (true) {
    state = await page.evaluate(runState);
    quiet = state.kernel === "idle" && state.running === 0 ? quiet + 1 : 0;
    if (quiet >= 2) break;
    if (Date.now() > deadline) {
      result.timed_out = true;
      break;
    }
    await sleep(1000);
  }
  result.run_s = (Date.now() - t1) / 1000;
  log(`${path}: ran ${state.executed}/${state.code} code cells in ${result.run_s.toFixed(1)} s`);
  // Let widget views finish loading (they render asynchronously after their model arrives).
  for (let i = 0; i < 30 && (await page.evaluate(widgetsPending)) > 0; i++) await sleep(500);
  // Make the viewport as tall as the notebook, so that every cell is attached and in one screenshot.
  for (let i = 0; i < 3; i++) {
    const h = Math.min(16000, Math.max(900, (await page.evaluate(contentHeight)) + 160));
    await page.setViewportSize({ width: 1280, height: h });
    await sleep(1000);
  }
  // "defer" windowing attaches every cell, in idle time: on a busy machine give it time before counting
  await page
    .waitForFunction(() => window.__panel.content.widgets.every((c) => c.node.isConnected), null, { timeout: 20000 })
    .catch(() => {}); // still detached after 20 s: inspect() counts them and the test fails
  Object.assign(result, await page.evaluate(inspect));
  result.screenshot = join(opts.out, `${name}.png`);
  await page.screenshot({ path: result.screenshot });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.evaluate(closeNotebook);
  return result;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(opts.out, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), "gan-lessons-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: opts.chromium,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const results = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors = [];
    page.on("pageerror", (e) => pageErrors.push(String(e).slice(0, 300)));
    page.setDefaultTimeout(120_000); // a loaded 2-core CI machine starts kernels slowly
    await page.goto(`${opts.url}/lab?token=${opts.token}`, { timeout: 120_000 });
    await page.waitForFunction(() => window.jupyterapp && window.jupyterapp.shell, null, { timeout: 120_000 });
    await page.evaluate(() => window.jupyterapp.restored);
    log(`JupyterLab ${await page.evaluate(() => window.jupyterapp.version)} is up`);
    for (const path of opts.notebooks) {
      pageErrors.length = 0;
      let result;
      try {
        result = await runOne(page, path, opts);
      } catch (e) {
        result = { notebook: path, name: basename(path, ".ipynb"), driver_error: String(e).slice(0, 1000) };
        log(`${path}: driver error: ${result.driver_error}`);
        await page.evaluate(() => window.__panel && window.__panel.sessionContext.shutdown()).catch(() => {});
      }
      result.page_errors = [...pageErrors];
      results.push(result);
      writeFileSync(join(opts.out, "results.json"), JSON.stringify(results, null, 1));
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
