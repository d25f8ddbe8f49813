// The diff view: with ?diff=SOURCE on the page's URL, what differs between SOURCE (before) and the
// shown proxy (after), from /api/diff: counts per kind, the resources that differ grouped by kind
// (a page at a time), one resource's changed fields and unified diff on click, and the graph's
// nodes of added and changed resources marked.
import type cytoscape from "cytoscape";

export interface DiffKind { kind: string; compared: boolean; notCompared?: string; before: number; after: number; added: number; removed: number; changed: number }
export interface DiffItem { kind: string; name: string; change: "added" | "removed" | "changed"; node?: string; fields?: number; plus: number; minus: number }
export interface DiffSummary {
  before: string; after: string; equal: boolean; summary: string; kinds: DiffKind[];
  total: number; offset: number; changes: DiffItem[]; more: number; warnings: string[];
}
export interface DiffDetail extends DiffItem {
  before: string; after: string;
  fieldChanges: { path: string; old?: unknown; new?: unknown }[]; moreFields: number;
  diff?: string; text?: string; cut?: string;
}

// The server compares only for requests with this header: another site's page cannot send it.
const header = { Accept: "application/json", "X-Xdsctl-Diff": "1" };

async function get<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: header });
  const body = await r.json();
  if (!r.ok) throw new Error((body.error ?? `${r.status} ${r.statusText}`) + (body.hint ? `. Hint: ${body.hint}` : ""));
  return body as T;
}

export interface DiffHooks {
  cy: cytoscape.Core;
  // start puts a resource of the shown proxy in the graph and shows its JSON.
  start: (kind: string, name: string) => void;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = "", cls = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// The graph's node of a resource: a cluster's endpoints are drawn under its cluster.
const graphKind = (node: string) => (node === "endpoints" ? "cluster" : node);

export function initDiff(h: DiffHooks) {
  const against = new URLSearchParams(location.search).get("diff");
  const form = $<HTMLFormElement>("diff-form");
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = String(new FormData(form).get("diff") ?? "").trim();
    const u = new URL(location.href);
    if (v) u.searchParams.set("diff", v); else u.searchParams.delete("diff");
    location.href = u.toString();
  });
  if (!against) return;
  $<HTMLInputElement>("diff-input").value = against;
  const q = `against=${encodeURIComponent(against)}`;

  // A halo under the node: its colours and borders keep saying its kind and state.
  h.cy.style().selector("node.diff-added").style({ "underlay-color": "#2e7d32", "underlay-padding": 6, "underlay-opacity": 0.45 } as cytoscape.Css.Node)
    .selector("node.diff-changed").style({ "underlay-color": "#f9a825", "underlay-padding": 6, "underlay-opacity": 0.6 } as cytoscape.Css.Node).update();

  const items: DiffItem[] = [];
  let summary: DiffSummary | undefined;
  // marks: the graph's kind + "\u0000" + name → how it changed (of the items loaded so far)
  const marks = new Map<string, DiffItem>();
  const mark = (n: cytoscape.NodeSingular) => {
    const it = marks.get(`${n.data("kind")}\u0000${n.data("name")}`);
    n.removeClass("diff-added diff-changed");
    if (it) n.addClass(it.change === "added" && it.kind !== "endpoints" ? "diff-added" : "diff-changed");
  };
  h.cy.on("add", "node", (ev) => mark(ev.target));
  h.cy.on("tap", "node", (ev) => {
    const it = marks.get(`${ev.target.data("kind")}\u0000${ev.target.data("name")}`);
    if (it) void showDiff(it); else $("diff-detail").hidden = true;
  });

  async function load(offset: number) {
    const s = await get<DiffSummary>(`api/diff?${q}&offset=${offset}`);
    summary = s;
    items.push(...s.changes);
    for (const it of s.changes) if (it.node) marks.set(`${graphKind(it.node)}\u0000${it.name}`, it);
    h.cy.nodes().forEach((n) => mark(n));
    render();
  }

  function render() {
    const s = summary!;
    const head = $("diff-summary");
    head.className = s.equal ? "" : "warn";
    head.replaceChildren(el("div", `${s.before} → ${s.after}`, "why"), el("div", s.equal ? `${s.summary}: no differences` : s.summary));
    const list = $("diff-list");
    list.replaceChildren();
    for (const k of s.kinds) {
      const n = k.added + k.removed + k.changed;
      const h3 = el("h3", k.compared ? `${k.kind} (${k.before} → ${k.after})` : `${k.kind}: not compared`);
      h3.dataset.kind = k.kind;
      if (!k.compared) {
        if (k.before + k.after === 0) continue; // neither side has any
        h3.append(el("span", ` ${k.notCompared ?? ""}`, "why"));
        list.append(h3);
        continue;
      }
      const counts = ([["added", k.added], ["removed", k.removed], ["changed", k.changed]] as const).filter(([, c]) => c > 0);
      h3.append(el("span", n === 0 ? " same" : " " + counts.map(([w, c]) => `${c} ${w}`).join(", "), "counts"));
      list.append(h3);
      const mine = items.filter((i) => i.kind === k.kind);
      if (mine.length > 0) list.append(el("ul"));
      for (const it of mine) list.lastElementChild!.append(entry(it));
    }
    if (s.more > 0) {
      const more = entryLike(`${s.more} more`, "Show the next ones", () => void load(items.length).catch(fail));
      more.id = "diff-more";
      list.append(more);
    }
    for (const w of s.warnings) list.append(el("div", `Warning: ${w}`, "why"));
  }

  function entry(it: DiffItem): HTMLLIElement {
    const what = it.change === "changed" ? `${it.fields ?? 0} fields, +${it.plus} −${it.minus}` : `${it.plus || it.minus} lines`;
    return entryLike(it.name, what, () => {
      if (it.node) h.start(it.node, it.name);
      else {
        // not in the graph: removed, or a kind it does not draw (bootstrap, secrets, extensions)
        $("detail-title").textContent = `${it.kind} ${it.name}`;
        $("detail-summary").textContent = it.change === "removed" ? `only in ${summary!.before}` : "";
        $("detail-summary").className = "";
        $("json").textContent = "";
        $("copy").hidden = true;
      }
      void showDiff(it);
    }, it.change);
  }

  function entryLike(text: string, why: string, onClick: () => void, badge?: string): HTMLLIElement {
    const li = el("li", text);
    if (badge) li.append(el("span", badge, `badge diff-${badge}`));
    if (why) li.append(el("div", why, "why"));
    li.tabIndex = 0;
    li.setAttribute("role", "button");
    li.addEventListener("click", onClick);
    li.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onClick(); } });
    return li;
  }

  async function showDiff(it: DiffItem) {
    const box = $("diff-detail");
    box.hidden = false;
    box.replaceChildren(el("h2", `${it.change}: ${it.kind} ${it.name}`, "diff-title"), el("div", "loading…", "why"));
    try {
      const d = await get<DiffDetail>(`api/diff/${encodeURIComponent(it.kind)}/${encodeURIComponent(it.name)}?${q}`);
      const parts: HTMLElement[] = [el("h2", `${d.change}: ${d.kind} ${d.name}`, "diff-title")];
      if (d.change === "changed") {
        const dl = el("dl", "", "diff-fields");
        for (const f of d.fieldChanges) {
          const dd = el("dd");
          if (f.old !== undefined) dd.append(el("del", show(f.old)));
          if (f.old !== undefined && f.new !== undefined) dd.append(" → ");
          if (f.new !== undefined) dd.append(el("ins", show(f.new)));
          dl.append(el("dt", f.path), dd);
        }
        parts.push(dl);
        if (d.moreFields > 0) parts.push(el("div", `${d.moreFields} more fields: the diff below has them`, "why"));
      } else {
        parts.push(el("div", d.change === "added" ? `only in ${d.after}` : `only in ${d.before}`, "why"));
      }
      parts.push(unified(d.diff ?? prefixed(d.text ?? "", d.change === "added" ? "+" : "-")));
      if (d.cut) parts.push(el("div", d.cut, "why"));
      box.replaceChildren(...parts);
    } catch (e) {
      box.replaceChildren(el("div", String(e), "bad"));
    }
  }

  function fail(e: unknown) {
    $("diff-summary").className = "bad";
    $("diff-summary").textContent = `Cannot compare with ${against}: ${e instanceof Error ? e.message : String(e)}`;
  }

  const start = () => {
    items.length = 0;
    marks.clear();
    $("diff-list").replaceChildren();
    $("diff-detail").hidden = true;
    $("diff-summary").className = "";
    $("diff-summary").textContent = `comparing with ${against}…`;
    load(0).catch(fail);
  };
  // Refresh read the shown proxy again: compare it again (the server re-reads the source too).
  document.addEventListener("xdsctl:refreshed", start);
  start();
}

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function prefixed(text: string, op: string): string {
  return text.split("\n").filter((l, i, a) => l !== "" || i < a.length - 1).map((l) => op + l).join("\n");
}

// unified shows a unified diff with its lines coloured.
function unified(text: string): HTMLPreElement {
  const pre = el("pre", "", "diff-text");
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const c = line.startsWith("+++") || line.startsWith("---") ? "file" : line.startsWith("@@") ? "hunk"
      : line[0] === "+" ? "ins" : line[0] === "-" ? "del" : "";
    pre.append(el("span", line + "\n", c));
  }
  return pre;
}
