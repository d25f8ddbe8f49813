// xdsctl ui's page: an overview, a search box, and a graph of one proxy's config that grows one
// step at a time from a listener (or a cluster or route configuration) as nodes are clicked.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { api, Hit, Overview, ListenerItem, Badge, Findings, TraceAnswer, ListenerDetail, RouteConfigDetail, VirtualHostOut, ClusterDetail } from "./api";
import { initDiff } from "./diff";

cytoscape.use(dagre);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// Node ids are kind + "\u0000" + name: names hold any character.
type Kind = "listener" | "chain" | "routeconfig" | "vhost" | "route" | "cluster" | "endpoint" | "more";
const nid = (kind: Kind, name: string) => `${kind}\u0000${name}`;

const cy = cytoscape({
  container: $("graph"),
  maxZoom: 1.5,
  style: [
    { selector: "node", style: {
      label: "data(label)", "font-size": 10, "text-valign": "center", "text-halign": "center",
      "text-wrap": "ellipsis", "text-max-width": "150px", width: 160, height: 28, shape: "round-rectangle",
      "background-color": "#e3f2fd", "border-width": 1, "border-color": "#90a4ae",
    } },
    { selector: "node[kind='listener']", style: { "background-color": "#bbdefb" } },
    { selector: "node[kind='chain']", style: { "background-color": "#eceff1" } },
    { selector: "node[kind='routeconfig']", style: { "background-color": "#c8e6c9" } },
    { selector: "node[kind='vhost']", style: { "background-color": "#dcedc8" } },
    { selector: "node[kind='route']", style: { "background-color": "#f1f8e9" } },
    { selector: "node[kind='cluster']", style: { "background-color": "#ffe0b2" } },
    { selector: "node[kind='endpoint']", style: { "background-color": "#fff8e1" } },
    { selector: "node[kind='more']", style: { "background-color": "#ffffff", "border-style": "dashed", color: "#1565c0" } },
    { selector: "node.expandable", style: { "border-style": "double", "border-width": 3 } },
    { selector: "node.warming", style: { "border-color": "#ef6c00", "border-width": 3 } },
    { selector: "node.bad", style: { "border-color": "#c62828", "border-width": 3, color: "#b71c1c" } },
    { selector: "node.missing", style: { "border-style": "dashed", "background-color": "#fafafa", color: "#757575" } },
    { selector: "node.finding-error", style: { "font-weight": "bold", color: "#b71c1c" } },
    { selector: "node.finding-warning", style: { "font-weight": "bold", color: "#e65100" } },
    { selector: "node.finding-info", style: { color: "#0d47a1" } },
    { selector: "node.traced", style: { "border-color": "#6a1b9a", "border-width": 4, "border-style": "solid" } },
    { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#1565c0" } },
    { selector: "edge", style: {
      width: 1, "line-color": "#b0bec5", "target-arrow-shape": "triangle", "target-arrow-color": "#b0bec5",
      "curve-style": "bezier", label: "data(label)", "font-size": 8, color: "#78909c",
    } },
    { selector: "edge.traced", style: { width: 3, "line-color": "#6a1b9a", "target-arrow-color": "#6a1b9a" } },
  ],
});

function statusClass(status?: string): string {
  switch (status) {
    case undefined: case "": return "";
    case "WARMING": case "DRAINING": return "warming";
    case "MISSING": return "missing";
    default: return "bad"; // ERROR, NACKED, and unhealthy endpoints
  }
}

// addNode adds a node unless present; expandable nodes load their children on click.
function addNode(kind: Kind, name: string, label: string, status?: string, expandable = false, parent?: string, edgeLabel = "", info = "") {
  const id = nid(kind, name);
  if (cy.getElementById(id).empty()) {
    const classes = [statusClass(status), expandable ? "expandable" : ""].filter(Boolean).join(" ");
    const base = status ? `${label} [${status}]` : label;
    cy.add({ group: "nodes", data: { id, kind, name, info, base, label: base }, classes });
    decorate(cy.getElementById(id));
  }
  if (parent) {
    const eid = `${parent}\u0001${id}`;
    if (cy.getElementById(eid).empty()) cy.add({ group: "edges", data: { id: eid, source: parent, target: id, label: edgeLabel } });
  }
  return id;
}

// Analyze's findings per resource (kind + "\u0000" + name), shown as a badge on its node:
// how many and the worst severity.
let badges = new Map<string, Badge>();

function decorate(n: cytoscape.NodeSingular) {
  const b = badges.get(n.id());
  n.removeClass("finding-error finding-warning finding-info");
  n.data("findings", b ? `${b.count} ${b.worst}` : "");
  n.data("label", b ? `${n.data("base")} ⚑${b.count} ${b.worst}` : n.data("base"));
  if (b) n.addClass(`finding-${b.worst}`);
}

function layout() {
  $("graph-help").hidden = cy.nodes().length > 0;
  cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 8, rankSep: 60, animate: false } as cytoscape.LayoutOptions).run();
}

// The API answers at most 60 children per expansion (uiapi.MaxChildren), from an offset, with
// their total: the rest are behind a "show next" node, which loads the next page onto the same
// parent when clicked.
const pageSize = 60;
interface MorePage { kind: "listener" | "routeconfig" | "vhost" | "cluster"; name: string; vhost?: string; offset: number }

function more(from: string, page: MorePage, shown: number, total: number, what: string) {
  const id = nid("more", `${from}\u0002more`);
  cy.getElementById(id).remove();
  const next = page.offset + shown;
  if (total <= next || shown === 0) return;
  const left = total - next;
  addNode("more", `${from}\u0002more`, `show next ${Math.min(pageSize, left)} (${left} more ${what})`, undefined, true, from, "",
    `${next} of ${total} ${what} shown; click to load the next ${Math.min(pageSize, left)}`);
  cy.getElementById(id).data("page", { ...page, offset: next });
}

function addChains(name: string, l: ListenerDetail) {
  const from = nid("listener", name);
  const offset = l.offset ?? 0;
  l.filterChains.forEach((c, j) => {
    const i = offset + j;
    const chain = addNode("chain", `${name}\u0002${i}`, c.name || c.match || `chain ${i}`, undefined, false, from, c.default ? "default" : "",
      `filter chain ${c.name ?? i}\nmatch: ${c.match}\nsends to: ${c.destination}`);
    if (c.routeConfigInline && c.routeConfig) addNode("routeconfig", c.routeConfig, `inline routes of chain ${i}`, undefined, true, chain, "inline");
    else if (c.routeConfig) addNode("routeconfig", c.routeConfig, `route ${c.routeConfig}`, c.routeConfigStatus, c.routeConfigStatus !== "MISSING", chain);
    else if (c.cluster) addNode("cluster", c.cluster, c.cluster, c.clusterStatus, c.clusterStatus !== "MISSING", chain);
    else addNode("chain", `${name}\u0002${i}\u0002dest`, c.destination, undefined, false, chain);
  });
  more(from, { kind: "listener", name, offset }, l.filterChains.length, l.chains, "filter chains");
}

function addRoutes(rc: string, vh: VirtualHostOut) {
  const v = nid("vhost", `${rc}\u0002${vh.name}`);
  const offset = vh.routesOffset ?? 0;
  vh.routes.forEach((r, j) => {
    const i = offset + j;
    const rid = addNode("route", `${rc}\u0002${vh.name}\u0002${i}`, `${r.name ? r.name + ": " : ""}${r.match}`, undefined, false, v, "",
      [`route ${r.name ?? i}`, `match: ${r.match}`, r.virtualService && `from VirtualService ${r.virtualService}`,
        r.cluster && `to ${r.cluster}`, ...(r.weightedClusters ?? []).map((w) => `to ${w.name} (weight ${w.weight})`)].filter(Boolean).join("\n"));
    if (r.cluster) addNode("cluster", r.cluster, r.cluster, r.clusterStatus, r.clusterStatus !== "MISSING", rid);
    for (const w of r.weightedClusters ?? []) addNode("cluster", w.name, w.name, w.status, w.status !== "MISSING", rid, `weight ${w.weight}`);
  });
  more(v, { kind: "vhost", name: rc, vhost: vh.name, offset }, vh.routes.length, vh.totalRoutes, "routes");
}

function addVirtualHosts(name: string, rc: RouteConfigDetail) {
  const from = nid("routeconfig", name);
  for (const vh of rc.virtualHosts) {
    addNode("vhost", `${name}\u0002${vh.name}`, `${vh.name} (${vh.domains.length} domains)`, undefined, false, from, "",
      `virtual host ${vh.name}\ndomains:\n  ${vh.domains.join("\n  ")}`);
    addRoutes(name, vh);
  }
  more(from, { kind: "routeconfig", name, offset: rc.offset ?? 0 }, rc.virtualHosts.length, rc.totalVirtualHosts, "virtual hosts");
}

function addEndpoints(name: string, c: ClusterDetail) {
  const from = nid("cluster", name);
  for (const e of c.endpoints) {
    const healthy = e.health === "HEALTHY" && !e.outlierEjected;
    addNode("endpoint", `${name}\u0002${e.address}`, e.address, healthy ? undefined : e.outlierEjected ? "EJECTED" : e.health, false, from, "",
      [`endpoint ${e.address} of ${name}`, `health: ${e.health} (from ${c.endpointsFrom === "clusters" ? "Envoy's /clusters" : "EDS"})`,
        e.outlierEjected && "ejected by outlier detection", e.flags?.length && `flags: ${e.flags.join(", ")}`,
        e.locality && `locality: ${e.locality}`, e.weight && `weight: ${e.weight}`].filter(Boolean).join("\n"));
  }
  if (c.totalEndpoints === 0) addNode("endpoint", `${name}\u0002none`, "no endpoints", "MISSING", false, from);
  more(from, { kind: "cluster", name, offset: c.offset ?? 0 }, c.endpoints.length, c.totalEndpoints, "endpoints");
}

// loadMore loads the page a "show next" node stands for onto its parent.
async function loadMore(p: MorePage) {
  switch (p.kind) {
    case "listener": addChains(p.name, await api.listener(p.name, p.offset)); break;
    case "routeconfig": addVirtualHosts(p.name, await api.routeConfig(p.name, p.offset)); break;
    case "vhost": addRoutes(p.name, await api.virtualHost(p.name, p.vhost ?? "", p.offset)); break;
    case "cluster": addEndpoints(p.name, await api.cluster(p.name, p.offset)); break;
  }
}

// expand loads a node's children: one API call, one step down the graph.
async function expand(kind: Kind, name: string) {
  const from = nid(kind, name);
  try {
    switch (kind) {
      case "listener": addChains(name, await api.listener(name)); break;
      case "routeconfig": addVirtualHosts(name, await api.routeConfig(name)); break;
      case "cluster": addEndpoints(name, await api.cluster(name)); break;
      case "more": {
        const n = cy.getElementById(from);
        n.removeClass("expandable"); // a second click while loading loads nothing twice
        try {
          await loadMore(n.data("page") as MorePage);
        } catch (e) {
          n.addClass("expandable");
          throw e;
        }
        layout();
        return;
      }
      default:
        return;
    }
    cy.getElementById(from).removeClass("expandable");
    layout();
  } catch (e) {
    showError(e);
  }
}

// loadUntil loads the pages under parent (a node id) until found() or none is left: a trace's
// chain, virtual host or route may be past the first page.
async function loadUntil(parent: string, found: () => boolean) {
  while (!found()) {
    const m = cy.getElementById(nid("more", `${parent}\u0002more`));
    if (m.empty()) return;
    const at = (m.data("page") as MorePage).offset;
    await expand("more", m.data("name"));
    const after = cy.getElementById(m.id());
    if (after.nonempty() && (after.data("page") as MorePage).offset === at) return; // the page failed to load
  }
}

// Resource JSON on click, for the kinds the API serves.
const resourceKind: Partial<Record<Kind, string>> = { listener: "listener", routeconfig: "routeconfig", cluster: "cluster" };

// The overview's problems by kind and name: a resource's panel says why it is highlighted.
let problems = new Map<string, Overview["problems"][number]>();

async function showResource(kind: string, name: string) {
  $("detail-title").textContent = `${kind} ${name}`;
  const p = problems.get(`${kind === "endpoints" ? "cluster" : kind}\u0000${name}`) ?? (kind === "cluster" ? problems.get(`endpoints\u0000${name}`) : undefined);
  $("detail-summary").textContent = p ? `${p.kind} ${p.state}${p.nack ? `: Envoy rejected its last update: ${p.nack}` : ""}` : "";
  $("detail-summary").className = p ? "bad" : "";
  const pre = $("json");
  pre.textContent = "loading…";
  try {
    const v = await api.resource(kind, name);
    pre.textContent = JSON.stringify(v, null, 2);
    $("copy").hidden = false;
  } catch (e) {
    pre.textContent = String(e);
    $("copy").hidden = true;
  }
}

cy.on("tap", "node", (ev) => {
  const n = ev.target;
  const kind = n.data("kind") as Kind;
  const name = n.data("name") as string;
  const rk = resourceKind[kind];
  if (rk) void showResource(rk, name);
  else {
    $("detail-title").textContent = n.data("label");
    $("detail-summary").textContent = "";
    $("json").textContent = n.data("info") || "";
    $("copy").hidden = true;
  }
  if (n.hasClass("expandable")) void expand(kind, name);
});

// start puts one resource in the graph, expands it and shows its JSON; it resolves once the
// resource is expanded.
async function start(kind: string, name: string, status?: string): Promise<void> {
  const k = kind === "endpoints" ? "cluster" : (kind as Kind);
  const label = k === "routeconfig" ? (name.startsWith("inline:") ? `inline routes ${name.slice(7)}` : `route ${name}`) : name;
  const id = addNode(k, name, label, status, true);
  layout();
  cy.$(":selected").unselect();
  cy.getElementById(id).select();
  void showResource(kind, name);
  if (cy.getElementById(id).hasClass("expandable")) await expand(k, name);
}

// openHit puts a search hit in the graph; when a child of it matched (a virtual host by a
// domain, a route by its name or match, an endpoint by its address), it loads the pages of
// children up to the one that holds it (for a route, its virtual host's, then the virtual
// host's routes') and selects it.
async function openHit(h: Hit) {
  await start(h.kind, h.name);
  const c = h.child;
  if (!c) return;
  const path = c.kind === "route"
    ? [nid("vhost", `${h.name}\u0002${c.vhost}`), nid("route", `${h.name}\u0002${c.vhost}\u0002${c.index}`)]
    : [nid(c.kind, `${h.name}\u0002${c.name}`)];
  let parent = nid(h.kind as Kind, h.name);
  for (const child of path) {
    await loadUntil(parent, () => cy.getElementById(child).nonempty());
    if (cy.getElementById(child).empty()) return;
    parent = child;
  }
  const n = cy.getElementById(parent);
  cy.$(":selected").unselect();
  n.select();
  cy.fit(n.closedNeighborhood(), 60);
}

function li(text: string, why: string, onClick: () => void, badge?: string): HTMLLIElement {
  const el = document.createElement("li");
  el.textContent = text;
  if (badge) {
    const b = document.createElement("span");
    b.className = `badge ${badge}`;
    b.textContent = badge;
    el.append(b);
  }
  if (why) {
    const w = document.createElement("div");
    w.className = "why";
    w.textContent = why;
    el.append(w);
  }
  el.addEventListener("click", onClick);
  // Keyboard: Tab to an item, Enter or Space to open it.
  el.tabIndex = 0;
  el.setAttribute("role", "button");
  el.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onClick(); }
  });
  return el;
}

function showError(e: unknown) {
  $("detail-title").textContent = "Error";
  $("json").textContent = String(e);
}

function renderOverview(o: Overview) {
  problems = new Map(o.problems.map((p) => [`${p.kind}\u0000${p.name}`, p]));
  $("source").textContent = o.source;
  const id = o.identity;
  $("identity").textContent = id ? [id.nodeId, id.istioVersion && `Istio ${id.istioVersion}`, id.envoyVersion && `Envoy ${id.envoyVersion}`].filter(Boolean).join(" · ") : "";
  $("refresh").hidden = !o.live;
  const dl = $("counts");
  dl.replaceChildren();
  for (const [k, v] of Object.entries(o.counts)) {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = k === "routeconfig" && o.inlineRouteConfigs ? `${v} (${o.inlineRouteConfigs} inline)` : String(v);
    if (k === "routeconfig" && o.inlineRouteConfigs) dd.title = "written inline in listeners' HTTP connection managers; Envoy lists them among its static route configurations";
    dl.append(dt, dd);
  }
  $("problems").replaceChildren(...(o.problems.length === 0
    ? [li("none: every resource is active", "", () => {})]
    : o.problems.map((p) => li(`${p.kind} ${p.name}`, p.nack ? `NACK: ${p.nack}` : "", () => void start(p.kind, p.name, p.nack && p.state !== "ERROR" ? "NACKED" : p.state), p.nack && p.state !== "ERROR" ? "NACKED" : p.state))));
  $("warnings").replaceChildren(...o.warnings.map((w) => { const e = li(w, "", () => {}); e.className = "warn"; return e; }));
}

function renderFindings(f: Findings) {
  badges = new Map(f.badges.map((b) => [nid(b.kind as Kind, b.name), b]));
  cy.nodes().forEach((n) => decorate(n));
  $("findings-counts").textContent = f.findings.length === 0 ? "none"
    : ["error", "warning", "info"].filter((s) => f.counts[s]).map((s) => `${f.counts[s]} ${s}`).join(", ");
  $("findings").replaceChildren(...f.findings.map((fd) => li(`${fd.code} ${fd.resource.kind}/${fd.resource.name || "(unnamed)"}${fd.resource.path ? " " + fd.resource.path : ""}`,
    `${fd.message}. Hint: ${fd.hint}`, () => { if (fd.node) void start(fd.node, fd.id ?? fd.resource.name); }, fd.severity)),
  ...(f.total > f.findings.length ? [(() => { const e = li(`${f.total - f.findings.length} more: xdsctl analyze lists them all`, "", () => {}); e.className = "why"; return e; })()] : []),
  ...f.notes.map((n) => { const e = li(n, "", () => {}); e.className = "why"; return e; }));
}

async function loadFindings() {
  $("findings-counts").textContent = "analyzing…";
  try {
    renderFindings(await api.findings());
  } catch (e) {
    $("findings-counts").textContent = String(e);
  }
}

function renderListeners(r: { total: number; listeners: ListenerItem[] }) {
  const items = r.listeners.map((l) => li(l.name, `${l.address}:${l.port} ${l.type} · ${l.chains} chains`, () => void start("listener", l.name, l.status), l.status));
  if (r.total > r.listeners.length) {
    const more = li(`${r.total - r.listeners.length} more: find them with the search box`, "", () => $("search").focus());
    more.className = "why";
    items.push(more);
  }
  $("listeners").replaceChildren(...items);
}

async function load() {
  try {
    const [o, ls] = await Promise.all([api.overview(), api.listeners()]);
    renderOverview(o);
    renderListeners(ls);
    performance.mark("xdsctl-first-view"); // for BenchmarkBrowserFirstView (web/e2e/firstview.bench.mjs)
  } catch (e) {
    showError(e);
  }
  void loadFindings(); // after the first view: analyze may take a while on a big dump
}

let searchTimer: number | undefined;
$<HTMLInputElement>("search").addEventListener("input", (ev) => {
  const q = (ev.target as HTMLInputElement).value;
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(async () => {
    if (q.trim() === "") { $("results").replaceChildren(); return; }
    try {
      const hits = await api.search(q);
      $("results").replaceChildren(...(hits.length === 0 ? [li("no match", "", () => {})] : hits.map((h) => li(`${h.kind} ${h.name}`, h.why, () => void openHit(h)))));
    } catch (e) {
      showError(e);
    }
  }, 200);
});

$("copy").addEventListener("click", async () => {
  const text = $("json").textContent ?? "";
  try {
    await navigator.clipboard.writeText(text);
    $("copy").textContent = "Copied";
    setTimeout(() => { $("copy").textContent = "Copy JSON"; }, 1200);
  } catch (e) {
    showError(e);
  }
});

$("clear").addEventListener("click", () => { cy.elements().remove(); layout(); });

// Refresh reads a live proxy again: only when asked, never on a timer.
$("refresh").addEventListener("click", async () => {
  const b = $<HTMLButtonElement>("refresh");
  b.disabled = true;
  try {
    renderOverview(await api.refresh());
    renderListeners(await api.listeners());
    cy.elements().remove();
    layout();
    void loadFindings();
    document.dispatchEvent(new Event("xdsctl:refreshed")); // the diff view compares again
  } catch (e) {
    showError(e);
  } finally {
    b.disabled = false;
  }
});

// The trace form: the trace engine's path through the graph, each step's reason listed.
$<HTMLFormElement>("trace-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target as HTMLFormElement);
  const q = new URLSearchParams();
  for (const k of ["to", "host", "path", "method", "sni", "alpn", "source", "random-value", "listener"]) {
    const v = String(form.get(k) ?? "").trim();
    if (v) q.set(k, v);
  }
  for (const h of String(form.get("headers") ?? "").split("\n")) if (h.trim()) q.append("header", h.trim());
  for (const k of ["inbound", "tcp", "tls"]) if (form.get(k)) q.set(k, "1");
  $("trace-summary").textContent = "tracing…";
  $("trace-summary").className = "";
  $("trace-steps").replaceChildren();
  try {
    await showTrace(await api.trace(q));
  } catch (e) {
    $("trace-summary").textContent = String(e);
    $("trace-summary").className = "stop";
  }
});

async function showTrace(t: TraceAnswer) {
  $("trace-summary").textContent = t.stop ? `Stops: ${t.stop}`
    : `→ ${t.cluster || "?"}${t.endpoints.length ? ` (${t.endpoints.length} endpoints)` : ""}`;
  $("trace-summary").className = t.stop ? "stop" : "";
  $("trace-steps").replaceChildren(...t.steps.map((s) => {
    const e = document.createElement("li");
    e.textContent = `${s.stage}${s.subject ? " " + s.subject : ""}: ${s.compared ?? ""} → ${s.outcome}`;
    e.className = s.outcome.replace(" ", "");
    return e;
  }), ...t.warnings.map((w) => { const e = document.createElement("li"); e.className = "warn"; e.textContent = w; return e; }));
  cy.elements().removeClass("traced");
  // Expand the path's resources the page can draw, then mark the nodes the trace went through.
  let traced = cy.collection();
  let last: cytoscape.CollectionArgument | undefined;
  const mark = (n: cytoscape.CollectionArgument) => { if (n.nonempty()) { traced = traced.union(n); last = n; } };
  const on = (id: string) => { const n = cy.getElementById(id); mark(n); return n; };
  let prev: string | undefined;
  for (const hop of t.path) {
    const kind = hop.kind as Kind;
    const id = nid(kind, hop.name);
    if (cy.getElementById(id).empty()) {
      addNode(kind, hop.name, kind === "routeconfig" ? `route ${hop.name}` : hop.name, undefined, true, prev, "trace");
    }
    if (kind === "listener" || kind === "routeconfig") {
      if (cy.getElementById(id).hasClass("expandable")) await expand(kind, hop.name);
    }
    on(id);
    if (kind === "listener") {
      const i = /^filter chain (\d+)$/.exec(t.filter_chain)?.[1];
      const find = () => i !== undefined ? cy.getElementById(nid("chain", `${hop.name}\u0002${i}`))
        : cy.getElementById(id).outgoers("node").filter((n) => n.data("label") === t.filter_chain);
      await loadUntil(id, () => find().nonempty());
      const chain = find();
      if (chain.nonempty()) { mark(chain.first()); prev = chain.first().id(); continue; }
    }
    if (kind === "routeconfig" && t.virtual_host) {
      const vid = nid("vhost", `${hop.name}\u0002${t.virtual_host}`);
      await loadUntil(id, () => cy.getElementById(vid).nonempty());
      const vh = on(vid);
      if (vh.nonempty()) {
        prev = vh.id();
        const i = /^route (\d+)/.exec(t.route)?.[1];
        const find = () => i !== undefined ? cy.getElementById(nid("route", `${hop.name}\u0002${t.virtual_host}\u0002${i}`))
          : vh.outgoers("node").filter((n) => String(n.data("label")).startsWith(`${t.route}:`));
        await loadUntil(vid, () => find().nonempty());
        const r = find();
        if (r.nonempty()) { mark(r.first()); prev = r.first().id(); }
        continue;
      }
    }
    prev = id;
  }
  traced.addClass("traced");
  traced.edgesWith(traced).addClass("traced");
  layout();
  cy.$(":selected").unselect();
  if (last) { cy.collection().union(last).select(); cy.fit(traced, 40); }
}

void load();
initDiff({ cy, start }); // ?diff=SOURCE: what differs between SOURCE and the shown proxy

// For the browser tests (web/e2e): what the graph shows, and a tap on a node as a click does.
(window as unknown as { xdsctlUI: unknown }).xdsctlUI = {
  nodes: () => cy.nodes().map((n) => ({ id: n.id(), kind: n.data("kind"), name: n.data("name"), label: n.data("label"), classes: n.classes(), findings: n.data("findings") })),
  tap: (kind: Kind, name: string): void => { cy.getElementById(nid(kind, name)).emit("tap"); },
  // expand loads a node's children as a click does and resolves once they are laid out.
  expand: (kind: Kind, name: string): Promise<void> => expand(kind, name),
  selected: (): string | undefined => cy.$(":selected").first().id(),
};
