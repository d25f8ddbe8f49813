// Browser test of xdsctl ui's page in headless Chromium, driven by playwright-core. Run by
// internal/cmd/ui's TestBrowser: node e2e/ui.e2e.mjs <demo-url> <states-url> <screenshot-dir> [<big-url>].
// The demo sidecar: overview, search, a listener expanded down to an endpoint, a resource's JSON,
// a finding's badge, a trace highlighted down to its cluster.
// The states dump: a NACKed resource highlighted and opened. The 100 MB dump, when given: the
// first view, a search, a listener expanded.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const [demoURL, statesURL, shots, bigURL] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
const page = await context.newPage();
page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
const nodes = () => page.evaluate(() => window.xdsctlUI.nodes());
const waitNode = (kind, pred) => page.waitForFunction(([k, p]) =>
  window.xdsctlUI.nodes().some((n) => n.kind === k && n.name.includes(p)), [kind, pred]);

try {
  // The demo sidecar.
  await page.goto(demoURL);
  await page.locator("#source", { hasText: "demo proxy" }).waitFor();
  await page.locator("#identity", { hasText: "Istio 1.27" }).waitFor();
  await page.locator("#listeners li").first().waitFor();
  assert.ok(await page.locator("#listeners li").count() > 5, "the listeners are listed");
  assert.equal(await page.locator("#refresh").isHidden(), true, "no refresh for a saved dump");

  // Search by name, then by port.
  await page.fill("#search", "details");
  await page.locator("#results li", { hasText: "cluster outbound|9080||details" }).first().waitFor();
  await page.fill("#search", "9080");
  await page.locator("#results li", { hasText: "listener 0.0.0.0_9080" }).waitFor();
  await page.locator("#results li").first().focus(); // the keyboard opens a result too
  await page.keyboard.press("Enter");
  await page.locator("#detail-title", { hasText: "listener " }).waitFor();
  await page.click("#clear");

  // A listener expanded step by step down to an endpoint.
  await page.locator("#results li", { hasText: "listener 0.0.0.0_9080" }).click();
  await waitNode("routeconfig", "9080");
  await page.locator("#json", { hasText: '"name": "0.0.0.0_9080"' }).waitFor();
  await page.evaluate(() => window.xdsctlUI.tap("routeconfig", "9080"));
  await waitNode("cluster", "details");
  await waitNode("cluster", "v1|reviews"); // a weighted cluster of reviews' route
  const cluster = (await nodes()).find((n) => n.kind === "cluster" && n.name.includes("details")).name;
  await page.evaluate((c) => window.xdsctlUI.tap("cluster", c), cluster);
  await waitNode("endpoint", cluster);
  const ep = (await nodes()).find((n) => n.kind === "endpoint");
  await page.evaluate((n) => window.xdsctlUI.tap("endpoint", n), ep.name);
  await page.locator("#json", { hasText: "health: HEALTHY (from Envoy's /clusters)" }).waitFor();
  await page.evaluate((c) => window.xdsctlUI.tap("cluster", c), cluster);
  await page.locator("#json", { hasText: '"name": "' + cluster + '"' }).waitFor();
  // Copy puts the JSON shown on the clipboard.
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(demoURL).origin });
  await page.click("#copy");
  await page.locator("#copy", { hasText: "Copied" }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.locator("#json").textContent());
  assert.ok(copied.includes('"@type"'), "the resource's JSON is copied");
  await page.screenshot({ path: `${shots}/demo-expanded.png` });

  // Analyze's findings: listed, and a badge on their resource's node.
  await page.locator("#findings li", { hasText: "XDS0601 Listener/virtualOutbound" }).locator(".badge.info").waitFor();
  await page.locator("#findings li", { hasText: "XDS0601" }).click();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) =>
    n.kind === "listener" && n.name === "virtualOutbound" && n.findings === "1 info" && n.classes.includes("finding-info") && n.label.includes("⚑1 info")));
  await page.screenshot({ path: `${shots}/demo-finding.png` });

  // A trace: the path highlighted down to reviews' cluster, each step's reason listed.
  await page.click("#clear");
  await page.fill("#trace-form [name=to]", "10.96.0.10:9080");
  await page.fill("#trace-form [name=host]", "reviews");
  await page.fill("#trace-form [name=path]", "/");
  await page.click("#trace-form button[type=submit]");
  await page.locator("#trace-summary", { hasText: "→ outbound|9080|v1|reviews.default.svc.cluster.local" }).waitFor();
  await page.locator("#trace-steps li", { hasText: "0.0.0.0_9080" }).first().waitFor();
  await page.waitForFunction(() => {
    const traced = window.xdsctlUI.nodes().filter((n) => n.classes.includes("traced"));
    const kinds = new Set(traced.map((n) => n.kind));
    return ["listener", "chain", "routeconfig", "vhost", "route", "cluster"].every((k) => kinds.has(k)) &&
      traced.some((n) => n.kind === "cluster" && n.name === "outbound|9080|v1|reviews.default.svc.cluster.local");
  });
  await page.screenshot({ path: `${shots}/demo-trace.png` });
  // The random value picks the other half of reviews' weighted split: v3, highlighted.
  await page.fill("#trace-form [name=random-value]", "75");
  await page.click("#trace-form button[type=submit]");
  await page.locator("#trace-summary", { hasText: "→ outbound|9080|v3|reviews.default.svc.cluster.local" }).waitFor();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) =>
    n.kind === "cluster" && n.name === "outbound|9080|v3|reviews.default.svc.cluster.local" && n.classes.includes("traced")));
  await page.fill("#trace-form [name=random-value]", "");
  // One that stops: no route of the Prometheus listener's virtual host matches; a bad address is refused.
  await page.fill("#trace-form [name=to]", "10.244.0.5:15090");
  await page.fill("#trace-form [name=host]", "");
  await page.fill("#trace-form [name=path]", "/nope");
  await page.click("#trace-form button[type=submit]");
  await page.locator("#trace-summary.stop", { hasText: "404 NR" }).waitFor();
  await page.locator("#trace-steps li.stop").waitFor();
  // The Prometheus listener's route configuration is inline in its HTTP connection manager: it
  // is in the graph like one of RDS, expanded down to its route and cluster, and traced through.
  await page.click("#clear");
  await page.fill("#search", "15090");
  await page.locator("#results li", { hasText: "listener 0.0.0.0_15090" }).click();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) =>
    n.kind === "routeconfig" && n.name === "inline:0.0.0.0_15090/0" && n.label === "inline routes of chain 0"));
  await page.evaluate(() => window.xdsctlUI.tap("routeconfig", "inline:0.0.0.0_15090/0"));
  await waitNode("vhost", "inline:0.0.0.0_15090/0\u0002backend");
  await waitNode("route", "inline:0.0.0.0_15090/0\u0002backend\u00020");
  await waitNode("cluster", "prometheus_stats");
  await page.locator("#json", { hasText: '"/stats/prometheus"' }).waitFor(); // its JSON
  await page.fill("#trace-form [name=path]", "/stats/prometheus");
  await page.click("#trace-form button[type=submit]");
  await page.locator("#trace-summary", { hasText: "→ prometheus_stats" }).waitFor();
  await page.waitForFunction(() => {
    const traced = window.xdsctlUI.nodes().filter((n) => n.classes.includes("traced"));
    return ["routeconfig", "vhost", "route", "cluster"].every((k) => traced.some((n) => n.kind === k && n.name.includes(k === "cluster" ? "prometheus_stats" : "inline:0.0.0.0_15090/0")));
  });
  await page.screenshot({ path: `${shots}/demo-inline-trace.png` });
  await page.fill("#trace-form [name=to]", "reviews:9080");
  await page.click("#trace-form button[type=submit]");
  await page.locator("#trace-summary.stop", { hasText: "is not an ip:port" }).waitFor();
  // Chromium logs the API's 400 answer to it as a console error: that one is expected.
  const i = problems.findIndex((p) => p.includes("status of 400"));
  assert.ok(i >= 0, "the bad trace was answered 400");
  problems.splice(i, 1);

  // The states dump: its NACKed and warming resources are listed, highlighted and opened.
  await page.goto(statesURL);
  await page.locator("#problems li", { hasText: "listener 0.0.0.0_8080" }).locator(".badge.WARMING").waitFor();
  const nacked = page.locator("#problems li", { hasText: "routeconfig 9080" });
  await nacked.locator(".badge.NACKED").waitFor();
  await nacked.click();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.kind === "routeconfig" && n.classes.includes("bad")));
  await page.locator("#json", { hasText: '"name": "9080"' }).waitFor();
  await page.locator("#detail-summary", { hasText: "invalid regex" }).waitFor();
  await page.screenshot({ path: `${shots}/states-nacked.png` });

  // Paging: a listener, a route configuration, a virtual host and a cluster of 130 children each
  // (60 a page): "show next" nodes reach every one; a search by a domain past the first page.
  await page.goto(process.env.XDSCTL_UI_WIDE);
  await page.locator("#listeners li", { hasText: "wide" }).click();
  const count = (kind) => page.evaluate((k) => window.xdsctlUI.nodes().filter((n) => n.kind === k).length, kind);
  const moreOf = async (label) => (await nodes()).find((n) => n.kind === "more" && n.label.includes(label));
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.kind === "more" && n.label === "show next 60 (70 more filter chains)"));
  assert.equal(await count("chain"), 60);
  await page.evaluate((n) => window.xdsctlUI.tap("more", n), (await moreOf("filter chains")).name);
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.kind === "more" && n.label === "show next 10 (10 more filter chains)"));
  assert.equal(await count("chain"), 120);
  await page.evaluate((n) => window.xdsctlUI.tap("more", n), (await moreOf("filter chains")).name);
  await waitNode("chain", "wide\u0002129");
  assert.equal(await count("chain"), 130);
  assert.equal(await moreOf("filter chains"), undefined, "no more chains");
  // The route configuration's virtual hosts, then vh-0's routes, then the cluster's endpoints.
  await page.evaluate(() => window.xdsctlUI.tap("routeconfig", "rc"));
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.label === "show next 60 (70 more virtual hosts)"));
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.label === "show next 60 (70 more routes)"));
  await page.evaluate((n) => window.xdsctlUI.tap("more", n), (await moreOf("more routes")).name);
  await waitNode("route", "rc\u0002vh-0\u0002119");
  await page.evaluate(() => window.xdsctlUI.tap("cluster", "c"));
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.label === "show next 60 (70 more endpoints)"));
  await page.evaluate((n) => window.xdsctlUI.tap("more", n), (await moreOf("more endpoints")).name);
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.label === "show next 10 (10 more endpoints)"));
  await page.evaluate((n) => window.xdsctlUI.tap("more", n), (await moreOf("more endpoints")).name);
  await waitNode("endpoint", "c\u000210.9.0.129:8080");
  assert.equal(await count("endpoint"), 130);
  await page.screenshot({ path: `${shots}/wide-paged.png` });
  // Search still finds what is past the first page: a domain of the 126th virtual host.
  await page.click("#clear");
  await page.fill("#search", "d125.example");
  await page.locator("#results li", { hasText: "routeconfig rc" }).locator(".why", { hasText: "domain d125.example" }).waitFor();
  // Clicking it opens the route configuration with the pages up to the one holding vh-125.
  await page.locator("#results li", { hasText: "routeconfig rc" }).click();
  await waitNode("vhost", "rc\u0002vh-125");
  assert.equal(await count("vhost"), 130, "the pages up to the third are loaded");
  assert.equal(await page.evaluate(() => window.xdsctlUI.selected()), "vhost\u0000rc\u0002vh-125", "and selected");
  // An endpoint past the first page, likewise.
  await page.click("#clear");
  await page.fill("#search", "10.9.0.129");
  await page.locator("#results li", { hasText: "cluster c" }).click();
  await waitNode("endpoint", "c\u000210.9.0.129:8080");
  assert.equal(await page.evaluate(() => window.xdsctlUI.selected()), "endpoint\u0000c\u000210.9.0.129:8080");
  // A route by its path, past the first page of vh-0's routes: its virtual host's pages, then
  // its routes', are loaded up to it, and it is selected.
  await page.click("#clear");
  await page.fill("#search", "/125");
  const routeHit = page.locator("#results li", { hasText: "routeconfig rc" });
  await routeHit.locator(".why", { hasText: "route /125* in virtual host vh-0" }).waitFor();
  assert.equal(await page.locator("#results li").count(), 1);
  await routeHit.click();
  await waitNode("route", "rc\u0002vh-0\u0002125");
  assert.equal(await page.evaluate(() => window.xdsctlUI.selected()), "route\u0000rc\u0002vh-0\u0002125");
  assert.equal(await count("route"), 130 + 59, "vh-0's three pages of routes, and the one of each other host of the first page");

  // Envoy's front-proxy sandbox: two listeners without a name, each opened with its own inline
  // route configuration, and the overview counts those.
  await page.goto(process.env.XDSCTL_UI_FRONT);
  await page.locator("#counts dd", { hasText: "2 (2 inline)" }).waitFor();
  await page.locator("#listeners li", { hasText: "(unnamed) [2]" }).click();
  await page.locator("#json", { hasText: '"port_value": 8443' }).waitFor();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.kind === "routeconfig" && n.name === "inline:(unnamed) [2]/0"));
  await page.evaluate(() => window.xdsctlUI.expand("routeconfig", "inline:(unnamed) [2]/0"));
  await waitNode("cluster", "service2");
  assert.ok(!(await nodes()).some((n) => n.kind === "listener" && n.name === "(unnamed)"), "only the second listener is shown");

  // A saved dump with its saved /clusters (--clusters): the host Envoy ejected (its outlier
  // check failed) is red, its health said to come from /clusters.
  await page.goto(process.env.XDSCTL_UI_CLUSTERS);
  await page.fill("#search", "api");
  await page.locator("#results li", { hasText: /^cluster api/ }).first().click();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) =>
    n.kind === "endpoint" && n.label === "10.1.1.1:443 [EJECTED]" && n.classes.includes("bad")));
  await page.evaluate(() => window.xdsctlUI.tap("endpoint", "api\u000210.1.1.1:443"));
  await page.locator("#json", { hasText: "health: HEALTHY (from Envoy's /clusters)" }).waitFor();
  await page.locator("#json", { hasText: "ejected by outlier detection" }).waitFor();

  if (bigURL) {
    await page.goto(bigURL);
    await page.locator("#listeners li", { hasText: "more: find them with the search box" }).waitFor();
    const first = await page.evaluate(() => document.querySelector("#listeners li").firstChild.textContent);
    await page.fill("#search", first);
    const hit = page.locator("#results li", { hasText: "listener " + first }).first();
    await hit.waitFor();
    await hit.click();
    await waitNode("chain", "");
    // Its tens of thousands of findings: the first 200 listed, the rest counted; badges on nodes.
    await page.locator("#findings li", { hasText: "more: xdsctl analyze lists them all" }).waitFor({ timeout: 60000 });
    assert.equal(await page.locator("#findings li").count(), 201);
    await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.findings));
    await page.screenshot({ path: `${shots}/big-listener.png` });
  }

  assert.deepEqual(problems, [], "no errors in the page (CSP included)");
  console.log("ok");
} finally {
  await browser.close();
}
