// layout.js: positions for the topology, computed in plain JavaScript (no library).
//
// Regions contain clusters; a cluster is a hub VNet with its spokes below it (the VNets it
// peers with in the same region), or a grid of VNets that peer with no hub. A VNet is a box;
// an expanded VNet holds its subnets, and each subnet its devices in two columns. Every level
// is packed in rows (shelf packing), so groups never overlap. The cost is linear in the number
// of boxes, which keeps a 1,000-VNet estate well under the first-paint budget.

export const DEV_W = 150, DEV_H = 20;
const VNET_W = 180, VNET_H = 54, GAP = 24, PAD = 12, HEAD = 34, SUB_HEAD = 20;

// classify returns {hubOf: Map(vnetId -> hubId), hubs: Set} from the peering links.
export function classify(topo) {
  const byId = new Map(topo.vnets.map(v => [v.id.toLowerCase(), v]));
  const nbrs = new Map(topo.vnets.map(v => [v.id.toLowerCase(), new Set()]));
  for (const v of topo.vnets) {
    for (const p of v.peerings) {
      const r = p.remote.toLowerCase();
      if (!byId.has(r)) continue;
      nbrs.get(v.id.toLowerCase()).add(r);
      nbrs.get(r).add(v.id.toLowerCase());
    }
  }
  const hubs = new Set();
  for (const v of topo.vnets) {
    const k = v.id.toLowerCase(), n = nbrs.get(k).size;
    if (n >= 2 || (n >= 1 && (v.gateways > 0 || v.firewalls > 0))) hubs.add(k);
  }
  // A VNet with both roles (two hubs peered) stays a hub; a spoke joins its busiest hub in its region.
  const hubOf = new Map();
  const sorted = [...hubs].sort((a, b) => nbrs.get(b).size - nbrs.get(a).size);
  for (const v of topo.vnets) {
    const k = v.id.toLowerCase();
    if (hubs.has(k)) continue;
    const h = sorted.find(h => nbrs.get(k).has(h) && byId.get(h).location === v.location);
    if (h) hubOf.set(k, h);
  }
  return { hubs, hubOf, nbrs };
}

// pack places items ({w, h}) in rows no wider than maxW; returns {w, h} and sets item.x, item.y.
function pack(items, maxW, gap) {
  let x = 0, y = 0, rowH = 0, w = 0;
  for (const it of items) {
    if (x > 0 && x + it.w > maxW) { x = 0; y += rowH + gap; rowH = 0; }
    it.x = x; it.y = y;
    x += it.w + gap; rowH = Math.max(rowH, it.h); w = Math.max(w, it.x + it.w);
  }
  return { w, h: items.length ? y + rowH : 0 };
}

// vnetBox sizes one VNet: collapsed, or expanded with its subnets and devices.
function vnetBox(v, devices) {
  const box = { kind: 'vnet', v, w: VNET_W, h: VNET_H, subnets: [] };
  if (!devices) return box;
  const bySub = new Map();
  for (const d of devices) {
    const k = (d.subnet || '').toLowerCase();
    if (!bySub.has(k)) bySub.set(k, []);
    bySub.get(k).push(d);
  }
  let y = HEAD;
  box.w = 2 * DEV_W + 2 * PAD + 12;
  for (const s of v.subnets) {
    const ds = bySub.get(s.id.toLowerCase()) || [];
    const rows = Math.ceil(ds.length / 2);
    const sb = { s, x: PAD, y, w: box.w - 2 * PAD, h: SUB_HEAD + rows * DEV_H + 6, devices: [] };
    ds.forEach((d, i) => sb.devices.push({ d, x: sb.x + 6 + (i % 2) * DEV_W, y: y + SUB_HEAD + Math.floor(i / 2) * DEV_H, w: DEV_W - 6, h: DEV_H - 2 }));
    box.subnets.push(sb);
    y += sb.h + 6;
  }
  box.h = y + 6;
  return box;
}

// layout returns {regions: [{name, x, y, w, h, clusters}], boxes: Map(vnetId -> box), w, h}.
// expanded maps a VNet ID (lower case) to its devices.
export function layout(topo, expanded, roles = classify(topo)) {
  const boxes = new Map();
  for (const v of topo.vnets) boxes.set(v.id.toLowerCase(), vnetBox(v, expanded.get(v.id.toLowerCase())));
  const regions = [];
  for (const r of topo.regions) {
    const ids = r.vnets.map(id => id.toLowerCase());
    const clusters = [];
    const loose = [];
    for (const id of ids) {
      if (roles.hubs.has(id)) clusters.push({ hub: id, spokes: [] });
    }
    const byHub = new Map(clusters.map(c => [c.hub, c]));
    for (const id of ids) {
      if (roles.hubs.has(id)) continue;
      const c = byHub.get(roles.hubOf.get(id));
      if (c) c.spokes.push(id); else loose.push(id);
    }
    const items = [];
    for (const c of clusters) {
      const hub = boxes.get(c.hub);
      const spokes = c.spokes.map(id => boxes.get(id));
      const n = spokes.length;
      const perRow = n <= 6 ? Math.max(n, 1) : Math.ceil(Math.sqrt(n * 0.8)); // about the window's aspect
      const avgW = n ? spokes.reduce((s, b) => s + b.w, 0) / n : VNET_W;
      const maxW = Math.max(hub.w, perRow * (avgW + GAP));
      const p = pack(spokes, maxW, GAP);
      const w = Math.max(hub.w, p.w) + 2 * PAD;
      hub.x = (w - hub.w) / 2; hub.y = PAD + 18;
      for (const b of spokes) { b.x += PAD + (w - 2 * PAD - p.w) / 2; b.y += hub.y + hub.h + 3 * GAP; }
      items.push({ w, h: hub.y + hub.h + 3 * GAP + p.h + PAD, members: [hub, ...spokes], label: 'hub ' + hub.v.name });
    }
    if (loose.length) {
      const bs = loose.map(id => boxes.get(id));
      const p = pack(bs, Math.max(VNET_W, Math.ceil(Math.sqrt(bs.length)) * (VNET_W + GAP)), GAP);
      for (const b of bs) { b.x += PAD; b.y += PAD + 18; }
      items.push({ w: p.w + 2 * PAD, h: p.h + 2 * PAD + 18, members: bs, label: clusters.length ? 'not peered to a hub' : '' });
    }
    const p = pack(items, 12000, 2 * GAP);
    regions.push({ name: r.name, items, w: p.w + 2 * PAD, h: p.h + 2 * PAD + 24 });
  }
  const rp = pack(regions, 14000, 3 * GAP);
  const X0 = 260, Y0 = 20; // the left column holds the internet, on-premises and Azure services
  for (const r of regions) {
    r.x += X0; r.y += Y0;
    for (const it of r.items) {
      it.x += r.x + PAD; it.y += r.y + PAD + 24;
      for (const b of it.members) { b.x += it.x; b.y += it.y; }
    }
  }
  return { regions, boxes, w: X0 + rp.w + 40, h: Y0 + Math.max(rp.h, 400) + 40 };
}
