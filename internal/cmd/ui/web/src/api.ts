// The JSON API of pkg/uiapi, as the page uses it. Every call asks for one small view.

export interface Meta {
  state?: string;
  versionInfo?: string;
  lastUpdated?: string;
  errorState?: { details: string; versionInfo?: string };
}

export interface Overview {
  source: string;
  live: boolean;
  identity?: { nodeId?: string; nodeCluster?: string; istioVersion?: string; envoyVersion?: string };
  counts: Record<string, number>;
  inlineRouteConfigs: number; // route configurations written inline in listeners (Envoy counts them among its static ones)
  problems: { kind: string; name: string; state: string; nack?: string }[];
  warnings: string[];
  hasHealth: boolean;
}

export interface ListenerItem { name: string; address: string; port: number; type: string; chains: number; status?: string }

export interface Chain {
  name?: string; match: string; destination: string; default?: boolean;
  routeConfig?: string; routeConfigStatus?: string; cluster?: string; clusterStatus?: string;
  routeConfigInline?: boolean; // routeConfig is the key of the route configuration written in the chain's HTTP connection manager
}
export interface ListenerDetail extends ListenerItem, Meta { filterChains: Chain[]; offset?: number }

export interface RouteOut {
  name?: string; match: string; cluster?: string; clusterStatus?: string; passthrough?: boolean; virtualService?: string;
  weightedClusters?: { name: string; weight: number; status?: string }[];
}
export interface VirtualHostOut { name: string; domains: string[]; routes: RouteOut[]; totalRoutes: number; routesOffset?: number }
export interface RouteConfigDetail extends Meta {
  name: string; status?: string;
  virtualHosts: VirtualHostOut[];
  totalVirtualHosts: number; offset?: number;
  inline?: { listener: string; filterChain: number; name: string };
}

export interface EndpointOut { address: string; health: string; locality?: string; weight?: number; outlierEjected?: boolean; flags?: string[] }
export interface ClusterDetail extends Meta {
  name: string; fqdn: string; type: string; status?: string;
  endpointsFrom: string; endpoints: EndpointOut[]; totalEndpoints: number; offset?: number;
}

export interface Finding {
  code: string; severity: "error" | "warning" | "info"; message: string; hint: string;
  resource: { kind: string; name: string; path: string };
  node?: string; // the graph's kind of the resource, when it has a node
  id?: string; // that node's id: the resource's, or an inline route configuration's key
}
export interface Badge { kind: string; name: string; count: number; worst: string }
export interface Findings { counts: Record<string, number>; total: number; findings: Finding[]; badges: Badge[]; notes: string[] }

export interface Step { stage: string; subject?: string; compared?: string; outcome: string }
export interface TraceAnswer {
  listener: string; filter_chain: string; route_config: string; virtual_host: string; route: string; cluster: string;
  endpoints: { address: string; health: string }[]; steps: Step[]; stop?: string;
  path: { kind: string; name: string }[]; warnings: string[];
}

// A hit's child says which virtual host (by a domain), route (by its name or match) or endpoint
// (by its address) matched and its index among its parent's children: the page of children that
// holds it. A route's parent is its virtual host (vhost, the vhostIndex-th of the route
// configuration's).
export interface Hit {
  kind: string; name: string; why: string;
  child?: { kind: "vhost" | "route" | "endpoint"; name: string; index: number; vhost?: string; vhostIndex?: number };
}

async function get<T>(path: string): Promise<T> {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
  return body as T;
}

const seg = encodeURIComponent;

export const api = {
  overview: () => get<Overview>("api/overview"),
  listeners: () => get<{ total: number; listeners: ListenerItem[] }>("api/listeners"),
  // offset pages past the first 60 children (uiapi.MaxChildren).
  listener: (name: string, offset = 0) => get<ListenerDetail>(`api/listener/${seg(name)}?offset=${offset}`),
  routeConfig: (name: string, offset = 0) => get<RouteConfigDetail>(`api/routeconfig/${seg(name)}?offset=${offset}`),
  virtualHost: (routeConfig: string, vhost: string, offset = 0) =>
    get<VirtualHostOut>(`api/virtualhost/${seg(routeConfig)}?name=${seg(vhost)}&offset=${offset}`),
  cluster: (name: string, offset = 0) => get<ClusterDetail>(`api/cluster/${seg(name)}?offset=${offset}`),
  resource: (kind: string, name: string) => get<unknown>(`api/resource/${seg(kind)}/${seg(name)}`),
  findings: () => get<Findings>("api/findings"),
  trace: (q: URLSearchParams) => get<TraceAnswer>(`api/trace?${q.toString()}`),
  search: (q: string) => get<Hit[]>(`api/search?q=${seg(q)}`),
  refresh: async (): Promise<Overview> => {
    const r = await fetch("api/refresh", { method: "POST", headers: { "X-Xdsctl-Refresh": "1" } });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ?? `${r.status} ${r.statusText}`);
    return body as Overview;
  },
};
