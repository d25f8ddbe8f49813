// The page's timings in headless Chromium, for internal/cmd/ui's BenchmarkBrowserFirstView:
// node e2e/firstview.bench.mjs <url> <runs>. Each run opens the page in a fresh context and
// measures, inside the page, the first view (navigation start to the overview and the listener
// list drawn: the page's performance mark "xdsctl-first-view") and then expansions as a click
// makes them (the listed listener with the most filter chains, a route configuration and a
// cluster it leads to, and a "show next" page when there is one), each from the call to its
// children laid out and painted. A PerformanceObserver records long tasks (> 50 ms) meanwhile.
// Prints one JSON line: {firstView: [ms...], expand: [ms...], longTasks: [ms...]}.
import { chromium } from "playwright-core";

const [url, runs] = [process.argv[2], Number(process.argv[3] ?? 1)];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const out = { firstView: [], expand: [], longTasks: [] };
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e); })
        .observe({ type: "longtask", buffered: true });
    });
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(() => performance.getEntriesByName("xdsctl-first-view").length > 0, null, { timeout: 60000 });
    out.firstView.push(await page.evaluate(() => performance.getEntriesByName("xdsctl-first-view")[0].startTime));
    // Long tasks of the expansions only: the first view's own are in its figure.
    const since = await page.evaluate(() => performance.now());
    const expand = (kind, name) => page.evaluate(async ([k, n]) => {
      const t0 = performance.now();
      await window.xdsctlUI.expand(k, n);
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))); // painted
      return performance.now() - t0;
    }, [kind, name]);
    const listener = await page.evaluate(() => {
      let best, most = -1;
      for (const li of document.querySelectorAll("#listeners li")) {
        const m = /· (\d+) chains/.exec(li.textContent);
        if (m && Number(m[1]) > most) { most = Number(m[1]); best = li.firstChild.textContent; }
      }
      return best;
    });
    out.expand.push(await expand("listener", listener));
    const nodes = () => page.evaluate(() => window.xdsctlUI.nodes());
    const rc = (await nodes()).find((n) => n.kind === "routeconfig" && n.classes.includes("expandable"));
    if (rc) out.expand.push(await expand("routeconfig", rc.name));
    const cl = (await nodes()).find((n) => n.kind === "cluster" && n.classes.includes("expandable"));
    if (cl) out.expand.push(await expand("cluster", cl.name));
    const more = (await nodes()).find((n) => n.kind === "more");
    if (more) out.expand.push(await expand("more", more.name));
    out.longTasks.push(...await page.evaluate((t) => window.__longTasks.filter((e) => e.startTime >= t).map((e) => e.duration), since));
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
