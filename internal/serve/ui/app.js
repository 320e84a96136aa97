// app.js: the vnetdoctor UI. Plain ES modules and SVG; every answer comes from /api/, which
// returns the CLI's JSON. No inline script or style anywhere (the server's CSP forbids them).
import { layout, classify } from './layout.js';
import { initPanels } from './panels.js';

const SVGNS = 'http://www.w3.org/2000/svg';
const $ = sel => document.querySelector(sel);
const low = s => (s || '').toLowerCase();

const state = {
  token: '', topo: null, roles: null, expanded: new Map(), lay: null,
  nodes: new Map(), // lower-case resource ID -> {x, y, w, h, el}
  byAddr: new Map(), vb: [0, 0, 1000, 800], trace: null, hl: [],
};

// ---- API ------------------------------------------------------------------------------------
function readToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('vnetdoctor-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname);
  }
  state.token = sessionStorage.getItem('vnetdoctor-token') || '';
}

async function api(path) {
  const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
  const resp = await fetch(path, { headers });
  const body = await resp.json().catch(() => ({ error: resp.statusText }));
  if (!resp.ok) throw new Error(body.error || resp.statusText);
  return body;
}
const q = obj => new URLSearchParams(Object.entries(obj).filter(([, v]) => v !== '' && v != null)).toString();

// ---- SVG helpers ----------------------------------------------------------------------------
function el(name, attrs = {}, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) if (v != null) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}
function text(parent, x, y, s, cls) {
  const t = el('text', { x, y, class: cls }, parent);
  t.textContent = s;
  return t;
}
const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

// shape draws a device's symbol centred at (cx, cy): each kind has its own.
function shape(g, kind, cx, cy) {
  const r = 6;
  switch (kind) {
    case 'firewall': return el('polygon', { points: hex(cx, cy, 8), class: 'shape firewall' }, g);
    case 'gateway': return el('polygon', { points: `${cx - 8},${cy + 6} ${cx + 8},${cy + 6} ${cx + 5},${cy - 6} ${cx - 5},${cy - 6}`, class: 'shape gateway' }, g);
    case 'nva': return el('polygon', { points: `${cx},${cy - 8} ${cx + 8},${cy} ${cx},${cy + 8} ${cx - 8},${cy}`, class: 'shape nva' }, g);
    case 'privateEndpoint': return el('rect', { x: cx - r, y: cy - r, width: 2 * r, height: 2 * r, rx: 2, class: 'shape pe' }, g);
    case 'loadBalancer': return el('polygon', { points: `${cx - 7},${cy + 6} ${cx + 7},${cy + 6} ${cx},${cy - 7}`, class: 'shape lb' }, g);
    case 'natGateway': return el('rect', { x: cx - 8, y: cy - 5, width: 16, height: 10, rx: 5, class: 'shape nat' }, g);
    case 'netapp': return el('rect', { x: cx - 6, y: cy - 7, width: 12, height: 14, rx: 3, class: 'shape netapp' }, g);
    case 'nic': return el('circle', { cx, cy, r: 5, class: 'shape nic' }, g);
    default: return el('circle', { cx, cy, r, class: 'shape vm' }, g);
  }
}
function hex(cx, cy, r) {
  return [0, 1, 2, 3, 4, 5].map(i => {
    const a = Math.PI / 3 * i;
    return `${(cx + r * Math.cos(a)).toFixed(1)},${(cy + r * Math.sin(a)).toFixed(1)}`;
  }).join(' ');
}

function legend() {
  const kinds = [['vm', 'VM'], ['nva', 'NVA (IP forwarding)'], ['firewall', 'firewall'], ['gateway', 'VNet gateway'],
    ['privateEndpoint', 'private endpoint'], ['loadBalancer', 'load balancer'], ['natGateway', 'NAT gateway'], ['netapp', 'NetApp volume']];
  const box = $('#legend');
  for (const [k, label] of kinds) {
    const svg = el('svg', { width: 20, height: 18, class: 'legend-icon' });
    shape(svg, k, 10, 9);
    const span = document.createElement('span');
    span.className = 'legend-item';
    span.append(svg, label);
    box.append(span);
  }
  box.insertAdjacentHTML('beforeend', '<span class="legend-item"><span class="line connected"></span>peering Connected</span>' +
    '<span class="legend-item"><span class="line broken"></span>peering not Connected</span>' +
    '<span class="legend-item"><span class="line fwd"></span>forward</span><span class="legend-item"><span class="line ret"></span>return</span>');
}

// ---- topology -------------------------------------------------------------------------------
const EXT = { internet: { x: 20, y: 40, w: 200, h: 46, label: 'Internet' }, azure: { x: 20, y: 110, w: 200, h: 46, label: 'Azure services' } };

function register(id, box, elem) {
  if (!id) return;
  state.nodes.set(low(id), { ...box, el: elem });
}

function render() {
  state.lay = layout(state.topo, state.expanded, state.roles);
  state.laidOutMs = performance.now();
  state.nodes.clear();
  state.byAddr.clear();
  const vp = $('#viewport');
  vp.replaceChildren();
  const gReg = el('g', { id: 'layer-regions' }, vp);
  const gPeer = el('g', { id: 'layer-peerings' }, vp);
  const gVnet = el('g', { id: 'layer-vnets' }, vp);
  el('g', { id: 'layer-trace' }, vp);
  // External networks: the internet, Azure services, one box per on-premises network.
  for (const [key, b] of Object.entries(EXT)) drawExternal(gReg, key, b, b.label, '');
  state.topo.onPremises.forEach((o, i) => {
    const b = { x: 20, y: 180 + i * 64, w: 200, h: 50 };
    drawExternal(gReg, 'onprem', b, 'on-premises ' + o.name, o.prefixes.join(', '), o.id);
    if (i === 0) state.nodes.set('onprem', { ...b });
  });
  for (const r of state.lay.regions) {
    el('rect', { x: r.x, y: r.y, width: r.w, height: r.h, rx: 10, class: 'region' }, gReg);
    text(gReg, r.x + 12, r.y + 20, 'region ' + r.name, 'region-label');
    for (const it of r.items) {
      if (!it.label) continue;
      el('rect', { x: it.x, y: it.y, width: it.w, height: it.h, rx: 8, class: 'cluster' }, gReg);
      text(gReg, it.x + 10, it.y + 16, it.label, 'cluster-label');
    }
  }
  for (const b of state.lay.boxes.values()) drawVNet(gVnet, b);
  // One listener for every VNet box (a thousand boxes need no thousand closures).
  gVnet.addEventListener('click', e => {
    const g = e.target.closest('g.vnet');
    if (g && !e.target.closest('.device, .subnet')) toggle(g.dataset.id);
  });
  gVnet.addEventListener('keydown', e => { if (e.key === 'Enter' && e.target.matches('g.vnet')) toggle(e.target.dataset.id); });
  drawPeerings(gPeer);
  setViewBox();
}

function drawExternal(parent, key, b, label, sub, id) {
  const g = el('g', { class: 'external ' + key, 'data-id': id || key }, parent);
  el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 18, class: 'external-box' }, g);
  text(g, b.x + 14, b.y + 20, label, 'ext-label');
  if (sub) text(g, b.x + 14, b.y + 36, clip(sub, 30), 'ext-sub');
  if (key !== 'onprem') state.nodes.set(key, { ...b, el: g });
  if (id) register(id, b, g);
}

function drawVNet(parent, b) {
  const v = b.v, expanded = b.subnets.length > 0 || state.expanded.has(low(v.id));
  const role = state.roles.hubs.has(low(v.id)) ? 'hub' : state.roles.hubOf.has(low(v.id)) ? 'spoke' : 'alone';
  const g = el('g', { class: `vnet ${role}${expanded ? ' expanded' : ''}`, 'data-id': v.id, 'data-name': v.name, tabindex: 0, role: 'button',
    'aria-label': `VNet ${v.name} ${v.addressSpace.join(' ')} (${role}); Enter to ${expanded ? 'collapse' : 'expand'}` }, parent);
  el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, class: 'vnet-box' }, g);
  text(g, b.x + 10, b.y + 17, (expanded ? '▾ ' : '▸ ') + clip(v.name, expanded ? 40 : 22), 'vnet-name');
  text(g, b.x + 10, b.y + 30, clip(v.addressSpace.join(', '), expanded ? 48 : 26), 'vnet-addr');
  if (!expanded) text(g, b.x + 10, b.y + 45, `${v.subnets.length} subnets · ${v.devices} devices`, 'vnet-count');
  register(v.id, b, g);
  for (const sb of b.subnets) {
    const sg = el('g', { class: 'subnet', 'data-id': sb.s.id, 'data-name': sb.s.name, tabindex: 0, role: 'button',
      'aria-label': `subnet ${sb.s.name} ${sb.s.prefixes.join(' ')}: Enter for its effective routes and rules` }, g);
    const openSubnet = e => { if (!e.target.closest('.device')) { e.stopPropagation(); showTables({ title: `${v.name}/${sb.s.name}`, subnet: sb.s.id }); } };
    sg.addEventListener('click', openSubnet);
    sg.addEventListener('keydown', e => { if (e.key === 'Enter' && e.target === sg) openSubnet(e); });
    el('rect', { x: b.x + sb.x, y: b.y + sb.y, width: sb.w, height: sb.h, rx: 4, class: 'subnet-box' }, sg);
    text(sg, b.x + sb.x + 6, b.y + sb.y + 14, clip(`${sb.s.name} ${sb.s.prefixes.join(', ')}`, 46), 'subnet-name');
    register(sb.s.id, { x: b.x + sb.x, y: b.y + sb.y, w: sb.w, h: sb.h }, sg);
    for (const dv of sb.devices) drawDevice(sg, dv, b);
  }
}

function drawDevice(parent, dv, b) {
  const d = dv.d, x = b.x + dv.x, y = b.y + dv.y;
  const g = el('g', { class: 'device ' + d.kind, 'data-id': d.id, 'data-kind': d.kind, 'data-name': d.name, tabindex: 0, role: 'button',
    'aria-label': `${d.kind} ${d.vm || d.name} ${d.address || ''}` }, parent);
  el('rect', { x, y, width: dv.w, height: dv.h, rx: 3, class: 'device-box' }, g);
  shape(g, d.kind, x + 10, y + dv.h / 2);
  text(g, x + 22, y + 13, clip((d.vm || d.name) + (d.address ? ' ' + d.address : ''), 22), 'device-label');
  if (d.state && d.state !== 'Approved') text(g, x + dv.w - 4, y + 13, '!', 'device-warn');
  const box = { x, y, w: dv.w, h: dv.h };
  register(d.id, box, g);
  for (const a of d.aliases || []) register(a, box, g);
  if (d.address) state.byAddr.set(d.address, box);
  const open = () => deviceClicked(d);
  g.addEventListener('click', e => (e.shiftKey ? pickEndpoint(d) : open()));
  g.addEventListener('keydown', e => { if (e.key === 'Enter') { e.stopPropagation(); open(); } });
}

function drawPeerings(parent) {
  const seen = new Map();
  for (const v of state.topo.vnets) {
    for (const p of v.peerings) {
      const a = low(v.id), r = low(p.remote), key = a < r ? a + '|' + r : r + '|' + a;
      if (!seen.has(key)) seen.set(key, { a: a < r ? a : r, b: a < r ? r : a, links: {} });
      seen.get(key).links[a] = p;
    }
  }
  // Past 200 peerings the connected ones are one faded path (one element, not three per
  // peering: the first paint of a 1,000-VNet estate); the broken ones keep their labels.
  const many = seen.size > 200;
  let d = '', n = 0;
  for (const e of seen.values()) {
    const A = state.nodes.get(e.a), B = state.nodes.get(e.b);
    if (!A || !B) continue;
    const la = e.links[e.a], lb = e.links[e.b];
    const ok = la && lb && la.active && lb.active;
    const [p1, p2] = edgePoints(A, B);
    if (ok && many) {
      d += `M${p1[0].toFixed(1)} ${p1[1].toFixed(1)}L${p2[0].toFixed(1)} ${p2[1].toFixed(1)}`;
      n++;
      continue;
    }
    const g = el('g', { class: 'peering ' + (ok ? 'connected' : 'broken') + (many ? ' many' : '') }, parent);
    el('line', { x1: p1[0], y1: p1[1], x2: p2[0], y2: p2[1], class: 'peering-line' }, g);
    if (!ok || !many) {
      const s = `${la ? la.state : 'no link'} / ${lb ? lb.state : 'no link'}`;
      text(g, (p1[0] + p2[0]) / 2 + 4, (p1[1] + p2[1]) / 2 - 4, s, 'peering-label');
    }
    el('title', {}, g).textContent = `${(la || lb).name}: ${s2(la)} ↔ ${s2(lb)}`;
  }
  if (n) {
    const g = el('g', { class: 'peering connected many', 'data-count': n }, parent);
    el('path', { d, class: 'peering-line' }, g);
    el('title', {}, g).textContent = `${n} connected peerings`;
  }
}
const s2 = l => (l ? `${l.name} ${l.state}` : 'missing');

function edgePoints(A, B) {
  const ac = [A.x + A.w / 2, A.y + A.h / 2], bc = [B.x + B.w / 2, B.y + B.h / 2];
  if (A.y + A.h < B.y) return [[ac[0], A.y + A.h], [bc[0], B.y]];
  if (B.y + B.h < A.y) return [[ac[0], A.y], [bc[0], B.y + B.h]];
  return [ac, bc];
}

async function toggle(id) {
  const k = low(id);
  if (state.expanded.has(k)) state.expanded.delete(k);
  else await expand([id]);
  render();
  if (state.trace) drawTrace(state.trace);
}

async function expand(ids) {
  const todo = [...new Set(ids.map(low))].filter(k => k && !state.expanded.has(k));
  const answers = await Promise.all(todo.map(k => api('/api/topology?' + q({ vnet: k }))));
  answers.forEach((a, i) => state.expanded.set(todo[i], a.devices));
}

// ---- view: pan and zoom ---------------------------------------------------------------------
function setViewBox() { $('#topo').setAttribute('viewBox', state.vb.map(n => n.toFixed(1)).join(' ')); }
// fit shows the whole picture. size is the SVG's [width, height] when the caller read it before
// drawing: reading it after would lay out every new box once more before the first paint.
function fit(size) {
  const svg = $('#topo'), [W, H] = size || [svg.clientWidth || 1000, svg.clientHeight || 700];
  const w = state.lay.w, h = state.lay.h, s = Math.max(w / W, h / H);
  state.vb = [0, 0, W * s, H * s];
  setViewBox();
}
function centerOn(n) {
  const [, , w, h] = state.vb;
  const zw = Math.max(Math.min(w, 1600), n.w * 3), zh = zw * h / w;
  state.vb = [n.x + n.w / 2 - zw / 2, n.y + n.h / 2 - zh / 2, zw, zh];
  setViewBox();
}
function panZoom() {
  const svg = $('#topo');
  svg.addEventListener('wheel', e => {
    e.preventDefault();
    const r = svg.getBoundingClientRect(), [x, y, w, h] = state.vb;
    const f = e.deltaY > 0 ? 1.15 : 1 / 1.15, px = x + (e.clientX - r.left) / r.width * w, py = y + (e.clientY - r.top) / r.height * h;
    state.vb = [px - (px - x) * f, py - (py - y) * f, w * f, h * f];
    setViewBox();
  }, { passive: false });
  let drag = null;
  svg.addEventListener('pointerdown', e => { if (!e.target.closest('.vnet, .device, .badge')) drag = [e.clientX, e.clientY, ...state.vb]; });
  window.addEventListener('pointerup', () => { drag = null; });
  svg.addEventListener('pointermove', e => {
    if (!drag) return;
    const r = svg.getBoundingClientRect(), s = drag[4] / r.width;
    state.vb = [drag[2] - (e.clientX - drag[0]) * s, drag[3] - (e.clientY - drag[1]) * s, drag[4], drag[5]];
    setViewBox();
  });
}

// ---- highlight ------------------------------------------------------------------------------
function clearHighlight() {
  for (const e of document.querySelectorAll('.hl')) e.classList.remove('hl');
}
async function highlight(ids, center = true) {
  clearHighlight();
  const missing = ids.filter(id => !state.nodes.has(low(id)));
  if (missing.length) {
    const vnets = [];
    for (const id of missing) {
      const hits = await api('/api/search?' + q({ q: id })).catch(() => []);
      if (hits[0] && hits[0].vnet) vnets.push(hits[0].vnet);
    }
    if (vnets.length) { await expand(vnets); render(); if (state.trace) drawTrace(state.trace); }
  }
  const found = ids.map(id => state.nodes.get(low(id))).filter(n => n && n.el);
  for (const n of found) n.el.classList.add('hl');
  if (center && found[0]) centerOn(found[0]);
  return found.length;
}

// ---- search ---------------------------------------------------------------------------------
async function search(term) {
  const list = $('#search-results');
  list.replaceChildren();
  if (!term) { list.hidden = true; return; }
  let hits;
  try { hits = await api('/api/search?' + q({ q: term })); } catch (err) { hits = []; }
  list.hidden = false;
  if (!hits.length) { const li = document.createElement('li'); li.textContent = 'nothing matches ' + term; list.append(li); return; }
  for (const h of hits) {
    const li = document.createElement('li'), b = document.createElement('button');
    b.type = 'button';
    b.textContent = `${h.name}${h.address ? ' ' + h.address : ''} — ${h.kind}`;
    b.addEventListener('click', async () => {
      list.hidden = true;
      if (h.kind !== 'vnet') await expand([h.vnet]);
      render();
      if (state.trace) drawTrace(state.trace);
      await highlight([h.id]);
      if (['vm', 'nva', 'nic'].includes(h.kind)) deviceClicked({ id: h.id, name: h.name, kind: h.kind });
    });
    li.append(b);
    list.append(li);
  }
  list.querySelector('button').focus();
}

// ---- tabs -----------------------------------------------------------------------------------
function showTab(name) {
  for (const b of document.querySelectorAll('[data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== 'tab-' + name;
}

// ---- NIC panel: effective routes and rules (the CLI's tables) -------------------------------
function table(headers, rows, cls) {
  const t = document.createElement('table');
  t.className = cls || '';
  const tr = t.createTHead().insertRow();
  for (const h of headers) { const th = document.createElement('th'); th.textContent = h; tr.append(th); }
  const body = t.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const c of r) row.insertCell().textContent = c;
  }
  return t;
}

async function deviceClicked(d) {
  if (!['vm', 'nva', 'nic'].includes(d.kind)) return;
  $('#reach-form').elements.to.value = d.vm || d.name; // the reach panel asks about the VM last opened
  await showTables({ title: d.vm || d.name, nic: d.id });
}

// showTables fills the NIC panel with the effective routes and rules of a NIC or a subnet.
async function showTables(t) {
  showTab('nic');
  const panel = $('#nic-panel');
  panel.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = (t.subnet ? 'subnet ' : '') + t.title;
  panel.append(h);
  if (!t.subnet && !$('[data-tab="reach"]').hidden) { // the reach panel, asked about this VM
    const b = document.createElement('button');
    b.type = 'button'; b.id = 'nic-reach'; b.textContent = 'Who can reach it?';
    b.addEventListener('click', () => { const f = $('#reach-form'); f.elements.to.value = t.title; showTab('reach'); f.requestSubmit(); });
    panel.append(b);
  }
  const which = t.subnet ? { subnet: t.subnet } : { nic: t.nic };
  try {
    const [routes, rules] = await Promise.all([api('/api/routes?' + q(which)), api('/api/rules?' + q(which))]);
    const h3 = document.createElement('h3'); h3.textContent = `Effective routes (${routes.value.length})`;
    panel.append(h3, table(['Source', 'State', 'Prefix', 'Next hop', 'Next hop IP'],
      routes.value.map(r => [r.source, r.state, r.addressPrefix.join(', '), r.nextHopType, r.nextHopIpAddress.join(', ')]), 'routes'));
    for (const n of rules.value) {
      const h4 = document.createElement('h3');
      const assoc = n.association.subnet ? 'subnet ' + n.association.subnet.id.split('/').pop() : n.association.networkInterface ? 'NIC' : 'admin';
      h4.textContent = `${n.networkSecurityGroup.id.split('/').pop()} (${assoc})`;
      panel.append(h4, table(['Prio', 'Name', 'Dir', 'Access', 'Proto', 'Source', 'Destination', 'Ports'],
        n.effectiveSecurityRules.map(r => [r.priority, r.name, r.direction, r.access, r.protocol, r.sourceAddressPrefix, r.destinationAddressPrefix, r.destinationPortRange]), 'rules'));
    }
  } catch (err) {
    const p = document.createElement('p'); p.className = 'error'; p.textContent = err.message; panel.append(p);
  }
}

// pickEndpoint is click-two-endpoints: shift-click the source, then the destination.
function pickEndpoint(d) {
  const f = $('#trace-form').elements, name = d.vm || d.name;
  showTab('trace');
  if (!f.from.value || f.to.value) { f.from.value = name; f.to.value = ''; f.from.focus(); return; }
  f.to.value = name;
  const p = {};
  for (const k of FORM_FIELDS) p[k] = f[k].value.trim();
  runTrace(p);
}

// ---- trace overlay --------------------------------------------------------------------------
const FORM_FIELDS = ['from', 'to', 'proto', 'dport', 'fqdn'];

// runTrace traces params from the form's fields; opts.stay keeps the current tab (a panel's row).
async function runTrace(params, opts = {}) {
  const form = $('#trace-form');
  for (const f of FORM_FIELDS) form.elements[f].value = params[f] || (f === 'proto' ? 'tcp' : '');
  if (!opts.stay) showTab('trace');
  const out = $('#trace-result');
  out.textContent = 'tracing…';
  document.body.dataset.trace = 'running';
  let a;
  try {
    a = await api('/api/trace?' + q(params));
  } catch (err) {
    out.replaceChildren();
    const p = document.createElement('p'); p.className = 'error'; p.id = 'trace-error'; p.textContent = err.message; out.append(p);
    document.body.dataset.trace = 'error';
    return;
  }
  const ids = [];
  for (const leg of [a.forward, a.return]) for (const h of (leg ? leg.hops : [])) if (h.resourceId) ids.push(h.resourceId);
  const missing = ids.filter(id => !state.nodes.has(low(id)));
  if (missing.length) {
    const vnets = [];
    for (const id of [...new Set(missing)]) {
      const hits = await api('/api/search?' + q({ q: id })).catch(() => []);
      if (hits[0] && hits[0].vnet) vnets.push(hits[0].vnet);
    }
    await expand(vnets);
    render();
  }
  state.trace = a;
  drawTrace(a);
  stepList(a);
  clearHighlight();
  if (state.lay.w > 3000) zoomToTrace(a); // a large estate: show the path, not the whole estate
  else fit();
  document.body.dataset.trace = 'done';
}

function hopPoint(h) {
  let n;
  if (h.kind === 'Internet') n = state.nodes.get('internet');
  else if (h.kind === 'AzureService') n = state.nodes.get('azure');
  else if (h.kind === 'OnPremises') n = state.nodes.get(low(h.resourceId)) || state.nodes.get('onprem');
  else n = state.nodes.get(low(h.resourceId)) || state.byAddr.get(h.address);
  n = n || state.nodes.get('internet');
  return [n.x + Math.min(n.w / 2, 60), n.y + n.h / 2];
}

// badgeStep picks the step that decided a hop: a denial, else a translation, else a firewall
// rule, else an NSG or admin rule, else the route.
function badgeStep(h) {
  const rank = s => (s.result === 'Denied' ? 0 : s.result === 'Translated' ? 1 : /^Firewall/.test(s.step) ? 2
    : (/^Nsg|AdminRule/.test(s.step) && s.rule) ? 3 : s.step === 'Route' ? 4 : s.step === 'Deliver' ? 6 : 5);
  return [...h.steps].sort((x, y) => rank(x) - rank(y))[0];
}
function badgeText(s) {
  if (!s) return '';
  const rule = (s.rule || '').replace(/^(securityRules|defaultSecurityRules)\//, '');
  return `${s.result === 'Denied' ? '✗ ' : ''}${s.step}${rule ? ': ' + clip(rule, 28) : ''}`;
}

function drawTrace(a) {
  const layer = $('#layer-trace');
  if (!layer) return;
  layer.replaceChildren();
  const used = new Map();
  for (const [name, leg, off] of [['forward', a.forward, -5], ['return', a.return, 5]]) {
    if (!leg) continue;
    const pts = leg.hops.map(h => { const p = hopPoint(h); return [p[0] + off, p[1] + off]; });
    const g = el('g', { class: 'trace-leg ' + name, 'data-leg': name, 'data-disposition': leg.disposition }, layer);
    if (pts.length > 1) {
      el('polyline', { points: pts.map(p => p.join(',')).join(' '), class: 'trace-path ' + name, 'marker-end': `url(#arrow-${name})` }, g);
    }
    leg.hops.forEach((h, i) => {
      const [x, y] = pts[i], s = badgeStep(h), key = Math.round(x / 10) + ',' + Math.round(y / 10);
      const stack = used.get(key) || 0;
      used.set(key, stack + 1);
      const by = y + (name === 'forward' ? -14 : 12) + (name === 'forward' ? -1 : 1) * stack * 15;
      const deciding = leg.deciding && s && s.step === leg.deciding.step && s.rule === leg.deciding.rule && s.resourceId === leg.deciding.resourceId;
      const b = el('g', { class: `badge ${name}${s && s.result === 'Denied' ? ' denied' : ''}${deciding ? ' deciding' : ''}`, 'data-leg': name, 'data-hop': i,
        'data-step': s ? s.step : '', 'data-rule': s ? s.rule : '', tabindex: 0, role: 'button', 'aria-label': `${name} hop ${i + 1} ${h.name}: ${badgeText(s)}` }, g);
      el('circle', { cx: x, cy: y, r: 4, class: 'hop-dot' }, b);
      const label = `${i + 1}. ${badgeText(s)}`;
      const w = 8 + label.length * 6.2;
      el('rect', { x: x + 6, y: by - 10, width: w, height: 14, rx: 7, class: 'badge-box' }, b);
      text(b, x + 10, by + 1, label, 'badge-text');
      b.addEventListener('click', () => selectHop(name, i));
      b.addEventListener('keydown', e => { if (e.key === 'Enter') selectHop(name, i); });
    });
    if (leg.disposition === 'Dropped' || (leg.dropCause && leg.disposition !== 'Delivered')) {
      const [x, y] = pts[pts.length - 1], dx = x + 26, dy = y + (name === 'forward' ? 10 : 22);
      const d = el('g', { class: 'drop', 'data-leg': name, 'data-cause': leg.dropCause }, g);
      el('line', { x1: x, y1: y, x2: dx, y2: dy, class: 'drop-leader' }, d);
      el('path', { d: `M${dx - 7},${dy - 7} L${dx + 7},${dy + 7} M${dx + 7},${dy - 7} L${dx - 7},${dy + 7}`, class: 'drop-x' }, d);
      text(d, dx + 12, dy + 4, `dropped: ${leg.dropCause || leg.disposition}`, 'drop-text');
    }
  }
}

function zoomToTrace(a) {
  const pts = [];
  for (const leg of [a.forward, a.return]) for (const h of (leg ? leg.hops : [])) pts.push(hopPoint(h));
  if (!pts.length) return;
  const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
  const x0 = Math.min(...xs) - 200, y0 = Math.min(...ys) - 120, x1 = Math.max(...xs) + 300, y1 = Math.max(...ys) + 120;
  const svg = $('#topo'), W = svg.clientWidth || 1000, H = svg.clientHeight || 700, s = Math.max((x1 - x0) / W, (y1 - y0) / H);
  state.vb = [(x0 + x1) / 2 - W * s / 2, (y0 + y1) / 2 - H * s / 2, W * s, H * s];
  setViewBox();
}

function stepList(a) {
  const out = $('#trace-result');
  out.replaceChildren();
  const v = document.createElement('p');
  v.id = 'verdict';
  v.className = 'verdict ' + low(a.verdict);
  v.textContent = `${a.verdict}: ${a.query.from} → ${a.query.to} ${a.query.protocol}/${a.query.destinationPort}`;
  out.append(v);
  for (const [name, leg] of [['forward', a.forward], ['return', a.return]]) {
    const h = document.createElement('h3');
    if (!leg) { h.textContent = `${name}: none (the request was not delivered)`; out.append(h); continue; }
    h.textContent = `${name === 'forward' ? 'Forward' : 'Return'} — ${leg.disposition}${leg.dropCause ? ' (' + leg.dropCause + ')' : ''}`;
    h.className = 'leg-head ' + name;
    const ol = document.createElement('ol');
    ol.className = 'hops ' + name;
    leg.hops.forEach((hop, i) => {
      const li = document.createElement('li');
      li.className = 'hop';
      li.dataset.leg = name; li.dataset.hop = i; li.tabIndex = 0;
      li.id = `hop-${name}-${i}`;
      const t = document.createElement('div');
      t.className = 'hop-title';
      t.textContent = `${hop.kind} ${hop.vm || hop.name}${hop.address ? ' ' + hop.address : ''}`;
      const ul = document.createElement('ul');
      for (const s of hop.steps) {
        const sl = document.createElement('li');
        sl.className = 'step ' + low(s.result);
        sl.textContent = `${s.step} ${s.result}${s.rule ? ' ' + s.rule : ''} — ${s.detail}`;
        ul.append(sl);
      }
      li.append(t, ul);
      li.addEventListener('click', () => selectHop(name, i));
      li.addEventListener('keydown', e => { if (e.key === 'Enter') selectHop(name, i); });
      ol.append(li);
    });
    out.append(h, ol);
  }
  if (a.findings && a.findings.length) {
    const h = document.createElement('h3'); h.textContent = 'Findings';
    const ul = document.createElement('ul'); ul.className = 'trace-findings';
    for (const f of a.findings) { const li = document.createElement('li'); li.textContent = `${f.code} (${f.severity}): ${f.message}`; ul.append(li); }
    out.append(h, ul);
  }
}

function clearTrace() {
  state.trace = null;
  $('#layer-trace').replaceChildren();
  $('#trace-result').replaceChildren();
}

function selectHop(leg, i) {
  for (const e of document.querySelectorAll('.selected')) e.classList.remove('selected');
  const li = document.getElementById(`hop-${leg}-${i}`), b = document.querySelector(`.badge[data-leg="${leg}"][data-hop="${i}"]`);
  if (li) { li.classList.add('selected'); li.scrollIntoView({ block: 'nearest' }); }
  if (b) b.classList.add('selected');
}

// ---- findings -------------------------------------------------------------------------------
function provingTrace(f) {
  const e = f.evidence || {};
  if (e.dnsServer && e.firewallFrontend) return { from: e.firewallFrontend, to: e.dnsServer, proto: 'udp', dport: '53' };
  const from = e.sourceVm || (typeof e.source === 'string' && !e.source.includes('/') ? e.source : '');
  const to = e.destination || e.target || '';
  if (from && to) return { from, to, proto: low(e.protocol) || 'tcp', dport: e.port != null ? String(e.port) : '' };
  return null;
}

async function runCheck() {
  const box = $('#findings');
  box.textContent = 'checking…';
  let r;
  try { r = await api('/api/check'); } catch (err) { box.textContent = err.message; return; }
  box.replaceChildren();
  for (const sev of ['Error', 'Warning', 'Info']) {
    const fs = r.findings.filter(f => f.severity === sev);
    if (!fs.length) continue;
    const det = document.createElement('details');
    det.open = true;
    det.className = 'severity ' + low(sev);
    const sum = document.createElement('summary');
    sum.textContent = `${sev} (${fs.length})`;
    const ul = document.createElement('ul');
    for (const f of fs) {
      const li = document.createElement('li');
      li.className = 'finding';
      li.dataset.code = f.code;
      const t = document.createElement('div');
      t.className = 'finding-title';
      t.textContent = `${f.code}: ${f.title || ''}`;
      const m = document.createElement('div');
      m.className = 'finding-msg';
      m.textContent = f.message;
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'show-me';
      b.textContent = 'show me';
      b.addEventListener('click', async () => {
        const n = await highlight(f.resources || []);
        const pt = provingTrace(f);
        if (pt) { await runTrace(pt); await highlight(f.resources || [], false); showTab('findings'); } else clearTrace();
        b.dataset.highlighted = String(n);
      });
      li.append(t, m, b);
      ul.append(li);
    }
    det.append(sum, ul);
    box.append(det);
  }
}

// ---- DNS ------------------------------------------------------------------------------------
async function resolve(e) {
  e.preventDefault();
  const f = e.target, out = $('#resolve-result');
  out.textContent = 'resolving…';
  try {
    const a = await api('/api/resolve?' + q({ from: f.elements.from.value.trim(), name: f.elements.name.value.trim() }));
    const pre = document.createElement('pre');
    pre.textContent = JSON.stringify(a, null, 2);
    out.replaceChildren(pre);
  } catch (err) { out.textContent = err.message; }
}

// ---- start ----------------------------------------------------------------------------------
async function pollStatus() {
  const s = $('#status');
  for (;;) {
    try {
      const st = await api('/api/status');
      s.textContent = st.state === 'ready' ? `ready · ${st.vnets} VNets · ${st.nics} NICs` : st.state === 'warming' ? 'warming tables…' : 'failed: ' + st.error;
      s.dataset.state = st.state;
      if (st.state !== 'warming') return;
    } catch (err) { s.textContent = err.message; s.dataset.state = 'error'; return; }
    await new Promise(r => setTimeout(r, 500));
  }
}

async function main() {
  const t = { startMs: performance.now() };
  readToken();
  const topo = api('/api/topology'); // the largest answer: asked first, while the rest starts
  topo.catch(() => {});
  legend();
  initPanels({ api, q, table, runTrace, highlight }, await api('/api/status').catch(() => null));
  pollStatus();
  $('#search-form').addEventListener('submit', e => { e.preventDefault(); search($('#search').value.trim()); });
  $('#fit').addEventListener('click', () => fit());
  $('#collapse').addEventListener('click', () => { state.expanded.clear(); render(); fit(); if (state.trace) drawTrace(state.trace); });
  for (const b of document.querySelectorAll('[data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('#trace-form').addEventListener('submit', e => {
    e.preventDefault();
    const f = e.target, p = {};
    for (const k of FORM_FIELDS) p[k] = f.elements[k].value.trim();
    runTrace(p);
  });
  $('#trace-clear').addEventListener('click', clearTrace);
  $('#run-check').addEventListener('click', runCheck);
  $('#resolve-form').addEventListener('submit', resolve);
  document.addEventListener('keydown', e => {
    if (e.key === '/' && document.activeElement.tagName !== 'INPUT') { e.preventDefault(); $('#search').focus(); }
    if (e.key === 'Escape') { $('#search-results').hidden = true; clearHighlight(); }
  });
  panZoom();
  try {
    state.topo = await topo;
  } catch (err) {
    $('#status').textContent = err.message;
    return;
  }
  t.topologyMs = performance.now();
  state.roles = classify(state.topo);
  if (state.topo.vnets.length <= 40) await expand(state.topo.vnets.map(v => v.id));
  const svg = $('#topo'), size = [svg.clientWidth || 1000, svg.clientHeight || 700];
  render();
  fit(size);
  t.laidOutMs = state.laidOutMs;
  t.drawnMs = performance.now();
  // The first frame with the topology: a callback of the next frame runs after it was painted.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    t.firstPaintMs = performance.now();
    window.vnetdoctorTimings = t;
    window.vnetdoctorFirstPaintMs = t.firstPaintMs;
    document.body.dataset.ready = '1';
  }));
}

main();
