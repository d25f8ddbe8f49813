// Browser test of xdsctl ui's diff view in headless Chromium, driven by playwright-core. Run by
// internal/cmd/ui's TestBrowser: node e2e/diff.e2e.mjs <diff-url> <self-url> <bad-url> <screenshot-dir> [<big-url>].
// <diff-url>: two dumps of one sidecar seven months apart (xdsctl ui --diff): the counts per kind,
// a changed resource's fields and diff, an added listener marked in the graph. <self-url>: the
// demo against its own dump: no differences. <bad-url>: a missing file: the error on the page.
// <big-url>: the 100 MB dump against itself, and against the demo (paged).
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

const [diffURL, selfURL, badURL, shots, bigURL] = process.argv.slice(2);
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
const kindLine = (kind) => page.locator(`#diff-list h3[data-kind=${kind}]`);

try {
  // Two real dumps: 51 listeners added, the bootstrap and one listener changed.
  await page.goto(diffURL);
  await page.locator("#diff-summary", { hasText: "53 resources differ: 51 added, 0 removed, 2 changed" }).waitFor();
  assert.match(await kindLine("listeners").textContent(), /listeners \(1 → 52\) 51 added, 1 changed/);
  assert.match(await kindLine("bootstrap").textContent(), /bootstrap \(1 → 1\) 1 changed/);
  assert.match(await kindLine("clusters").textContent(), /clusters \(83 → 83\) same/);
  assert.equal(await page.locator("#diff-list li").count(), 53, "every resource that differs is listed");
  assert.equal(await page.locator("#diff-input").inputValue(), new URL(diffURL).searchParams.get("diff"));

  // A changed resource: its fields, old → new, and its unified diff.
  await page.locator("#diff-list li", { hasText: "bootstrap" }).click();
  await page.locator("#diff-detail .diff-title", { hasText: "changed: bootstrap bootstrap" }).waitFor();
  await page.locator("#diff-detail dt", { hasText: "node.metadata.EXCHANGE_KEYS" }).waitFor();
  assert.match(await page.locator("#diff-detail dd del").first().textContent(), /CANONICAL_TELEMETRY_SERVICE/);
  assert.doesNotMatch(await page.locator("#diff-detail dd ins").first().textContent(), /CANONICAL_TELEMETRY_SERVICE/);
  await page.locator("#diff-detail .diff-text .hunk").first().waitFor();
  assert.equal(await page.locator("#diff-detail .diff-text .del").count(), 1);
  assert.equal(await page.locator("#diff-detail .diff-text .ins").count(), 1);
  await page.screenshot({ path: `${shots}/diff-changed.png` });

  // An added listener: in the graph, marked, and its text shown as added lines.
  await page.locator("#diff-list li", { hasText: "0.0.0.0_9080" }).click();
  await page.locator("#diff-detail .diff-title", { hasText: "added: listeners 0.0.0.0_9080" }).waitFor();
  await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) =>
    n.kind === "listener" && n.name === "0.0.0.0_9080" && n.classes.includes("diff-added")));
  assert.ok(await page.locator("#diff-detail .diff-text .ins").count() > 50, "the added listener's text");
  await page.locator("#json", { hasText: '"name": "0.0.0.0_9080"' }).waitFor();
  await page.screenshot({ path: `${shots}/diff-added.png` });

  // The demo against its own dump.
  await page.goto(selfURL);
  await page.locator("#diff-summary", { hasText: "no differences" }).waitFor();
  assert.equal(await page.locator("#diff-list li").count(), 0);

  // A source that cannot be read: the error, with its hint, on the page.
  await page.goto(badURL);
  await page.locator("#diff-summary.bad", { hasText: "neither a file nor a proxy" }).waitFor();
  await page.locator("#diff-summary.bad", { hasText: "Hint: give a config dump file" }).waitFor();
  const i = problems.findIndex((p) => p.includes("status of 422"));
  assert.ok(i >= 0, "the comparison was refused with 422");
  problems.splice(i, 1);
  await page.screenshot({ path: `${shots}/diff-error.png` });

  if (bigURL) {
    // The 100 MB dump against itself: every resource compared, none differs.
    await page.goto(bigURL);
    await page.locator("#diff-summary", { hasText: "no differences" }).waitFor({ timeout: 120000 });
    await page.locator("#listeners li").first().waitFor();
    await page.screenshot({ path: `${shots}/diff-big-self.png` });

    // The 100 MB dump against the demo sidecar: 23,725 resources differ, listed 500 at a time.
    const u = new URL(bigURL);
    u.searchParams.set("diff", "../proxyconfig/demodata/config_dump.json");
    await page.goto(u.toString());
    await page.locator("#diff-summary", { hasText: "resources differ" }).waitFor({ timeout: 120000 });
    await page.locator("#diff-more", { hasText: "more" }).waitFor();
    assert.equal(await page.locator("#diff-list ul li").count(), 500, "the first page");
    const total = Number(/(\d+) resources differ/.exec(await page.locator("#diff-summary").textContent())[1]);
    assert.equal(await page.locator("#diff-more").textContent(), `${total - 500} moreShow the next ones`);
    await page.click("#diff-more");
    await page.locator("#diff-more", { hasText: `${total - 1000} more` }).waitFor();
    assert.equal(await page.locator("#diff-list ul li").count(), 1000, "the second page added");
    await page.locator("#diff-list ul li", { hasText: "added" }).first().click();
    await page.locator("#diff-detail .diff-title", { hasText: "added: " }).waitFor();
    await page.waitForFunction(() => window.xdsctlUI.nodes().some((n) => n.classes.includes("diff-added")));
    await page.screenshot({ path: `${shots}/diff-big-demo.png` });
  }

  assert.deepEqual(problems, [], "no errors in the page (CSP included)");
  console.log("ok");
} finally {
  await browser.close();
}
