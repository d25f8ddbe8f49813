// xdsctl ui's page: an overview, a search box, and a graph of one proxy's config that grows one
// step at a time from a listener (or a cluster or route configuration) as nodes are clicked.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { api, Overview, ListenerItem } from "./api";

cytoscape.use(dagre);

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// Node ids are kind + "\u0000" + name: names hold any character.
type Kind = "listener" | "chain" | "routeconfig" | "vhost" | "route" | "cluster" | "endpoint";
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
    { selector: "node.expandable", style: { "border-style": "double", "border-width": 3 } },
    { selector: "node.warming", style: { "border-color": "#ef6c00", "border-width": 3 } },
    { selector: "node.bad", style: { "border-color": "#c62828", "border-width": 3, color: "#b71c1c" } },
    { selector: "node.missing", style: { "border-style": "dashed", "background-color": "#fafafa", color: "#757575" } },
    { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#1565c0" } },
    { selector: "edge", style: {
      width: 1, "line-color": "#b0bec5", "target-arrow-shape": "triangle", "target-arrow-color": "#b0bec5",
      "curve-style": "bezier", label: "data(label)", "font-size": 8, color: "#78909c",
    } },
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
    cy.add({ group: "nodes", data: { id, kind, name, info, label: status ? `${label} [${status}]` : label }, classes });
  }
  if (parent) {
    const eid = `${parent}\u0001${id}`;
    if (cy.getElementById(eid).empty()) cy.add({ group: "edges", data: { id: eid, source: parent, target: id, label: edgeLabel } });
  }
  return id;
}

function layout() {
  $("graph-help").hidden = cy.nodes().length > 0;
  cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 8, rankSep: 60, animate: false } as cytoscape.LayoutOptions).run();
}

// The API answers at most 60 children per expansion (uiapi.MaxChildren) with their total: the
// rest are named by a "N more" node (search finds them).
function capped<T>(items: T[], total: number, from: string, what: string): T[] {
  if (total > items.length) {
    addNode("chain", `${from}\u0002more`, `${total - items.length} more ${what}: use search`, undefined, false, from);
  }
  return items;
}

// expand loads a node's children: one API call, one step down the graph.
async function expand(kind: Kind, name: string) {
  const from = nid(kind, name);
  try {
    switch (kind) {
      case "listener": {
        const l = await api.listener(name);
        capped(l.filterChains, l.chains, from, "filter chains").forEach((c, i) => {
          const chain = addNode("chain", `${name}\u0002${i}`, c.name || c.match || `chain ${i}`, undefined, false, from, c.default ? "default" : "",
            `filter chain ${c.name ?? i}\nmatch: ${c.match}\nsends to: ${c.destination}`);
          if (c.routeConfig) addNode("routeconfig", c.routeConfig, `route ${c.routeConfig}`, c.routeConfigStatus, c.routeConfigStatus !== "MISSING", chain);
          else if (c.cluster) addNode("cluster", c.cluster, c.cluster, c.clusterStatus, c.clusterStatus !== "MISSING", chain);
          else addNode("chain", `${name}\u0002${i}\u0002dest`, c.destination, undefined, false, chain);
        });
        break;
      }
      case "routeconfig": {
        const rc = await api.routeConfig(name);
        capped(rc.virtualHosts, rc.totalVirtualHosts, from, "virtual hosts").forEach((vh) => {
          const v = addNode("vhost", `${name}\u0002${vh.name}`, `${vh.name} (${vh.domains.length} domains)`, undefined, false, from, "",
            `virtual host ${vh.name}\ndomains:\n  ${vh.domains.join("\n  ")}`);
          capped(vh.routes, vh.totalRoutes, v, "routes").forEach((r, i) => {
            const rid = addNode("route", `${name}\u0002${vh.name}\u0002${i}`, `${r.name ? r.name + ": " : ""}${r.match}`, undefined, false, v, "",
              [`route ${r.name ?? i}`, `match: ${r.match}`, r.virtualService && `from VirtualService ${r.virtualService}`,
                r.cluster && `to ${r.cluster}`, ...(r.weightedClusters ?? []).map((w) => `to ${w.name} (weight ${w.weight})`)].filter(Boolean).join("\n"));
            if (r.cluster) addNode("cluster", r.cluster, r.cluster, r.clusterStatus, r.clusterStatus !== "MISSING", rid);
            for (const w of r.weightedClusters ?? []) addNode("cluster", w.name, w.name, w.status, w.status !== "MISSING", rid, `weight ${w.weight}`);
          });
        });
        break;
      }
      case "cluster": {
        const c = await api.cluster(name);
        capped(c.endpoints, c.totalEndpoints, from, "endpoints").forEach((e) => {
          const healthy = e.health === "HEALTHY" && !e.outlierEjected;
          addNode("endpoint", `${name}\u0002${e.address}`, e.address, healthy ? undefined : e.outlierEjected ? "EJECTED" : e.health, false, from, "",
            [`endpoint ${e.address} of ${name}`, `health: ${e.health} (from ${c.endpointsFrom === "clusters" ? "Envoy's /clusters" : "EDS"})`,
              e.outlierEjected && "ejected by outlier detection", e.flags?.length && `flags: ${e.flags.join(", ")}`,
              e.locality && `locality: ${e.locality}`, e.weight && `weight: ${e.weight}`].filter(Boolean).join("\n"));
        });
        if (c.endpoints.length === 0) addNode("endpoint", `${name}\u0002none`, "no endpoints", "MISSING", false, from);
        break;
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

// start puts one resource in the graph, expands it and shows its JSON.
function start(kind: string, name: string, status?: string) {
  const k = kind === "endpoints" ? "cluster" : (kind as Kind);
  const id = addNode(k, name, k === "routeconfig" ? `route ${name}` : name, status, true);
  layout();
  cy.$(":selected").unselect();
  cy.getElementById(id).select();
  if (cy.getElementById(id).hasClass("expandable")) void expand(k, name);
  void showResource(kind, name);
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
    dd.textContent = String(v);
    dl.append(dt, dd);
  }
  $("problems").replaceChildren(...(o.problems.length === 0
    ? [li("none: every resource is active", "", () => {})]
    : o.problems.map((p) => li(`${p.kind} ${p.name}`, p.nack ? `NACK: ${p.nack}` : "", () => start(p.kind, p.name, p.nack && p.state !== "ERROR" ? "NACKED" : p.state), p.nack && p.state !== "ERROR" ? "NACKED" : p.state))));
  $("warnings").replaceChildren(...o.warnings.map((w) => { const e = li(w, "", () => {}); e.className = "warn"; return e; }));
}

function renderListeners(r: { total: number; listeners: ListenerItem[] }) {
  const items = r.listeners.map((l) => li(l.name, `${l.address}:${l.port} ${l.type} · ${l.chains} chains`, () => start("listener", l.name, l.status), l.status));
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
  } catch (e) {
    showError(e);
  }
}

let searchTimer: number | undefined;
$<HTMLInputElement>("search").addEventListener("input", (ev) => {
  const q = (ev.target as HTMLInputElement).value;
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(async () => {
    if (q.trim() === "") { $("results").replaceChildren(); return; }
    try {
      const hits = await api.search(q);
      $("results").replaceChildren(...(hits.length === 0 ? [li("no match", "", () => {})] : hits.map((h) => li(`${h.kind} ${h.name}`, h.why, () => start(h.kind, h.name)))));
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
  } catch (e) {
    showError(e);
  } finally {
    b.disabled = false;
  }
});

void load();

// For the browser tests (web/e2e): what the graph shows, and a tap on a node as a click does.
(window as unknown as { xdsctlUI: unknown }).xdsctlUI = {
  nodes: () => cy.nodes().map((n) => ({ id: n.id(), kind: n.data("kind"), name: n.data("name"), label: n.data("label"), classes: n.classes() })),
  tap: (kind: Kind, name: string): void => { cy.getElementById(nid(kind, name)).emit("tap"); },
};
