// panels.js: the reach panel ("who can reach this VM on these ports") and, when serve runs with
// --db, the flows panel (a top-talkers heatmap and the denied flows). Rows come from /api/reach and
// /api/flows/explain, the CLI's JSON; clicking a row traces its flow on the picture.

const SVGNS = 'http://www.w3.org/2000/svg';
const $ = sel => document.querySelector(sel);
const low = s => (s || '').toLowerCase();

// placeName shortens a subnet ID to VNET/SUBNET and any other resource ID to its name (as the
// CLI's reach text does).
export function placeName(s) {
  if (!s || !s.startsWith('/')) return s || '';
  const p = s.replace(/^\/+|\/+$/g, '').split('/');
  for (let i = 0; i + 3 < p.length; i++) {
    if (low(p[i]) === 'virtualnetworks' && low(p[i + 2]) === 'subnets') return p[i + 1] + '/' + p[i + 3];
  }
  return p[p.length - 1];
}

function prefixList(ps) {
  const list = ps || [];
  return list.slice(0, 3).join(' ') + (list.length > 3 ? ` +${list.length - 3} more` : '');
}

function para(cls, s, id) {
  const p = document.createElement('p');
  p.className = cls;
  if (id) p.id = id;
  p.textContent = s;
  return p;
}

// selectable makes a table row a button: click or Enter runs go, and marks the row selected.
function selectable(tr, go) {
  tr.tabIndex = 0;
  tr.setAttribute('role', 'button');
  const run = () => {
    for (const r of tr.parentElement.querySelectorAll('tr.selected')) r.classList.remove('selected');
    tr.classList.add('selected');
    go();
  };
  tr.addEventListener('click', run);
  tr.addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); run(); } });
}

// ---- reach ----------------------------------------------------------------------------------
// exampleTrace is a reach row's example as the trace form's fields.
export function exampleTrace(row) {
  const e = row.example;
  return { from: e.from, to: e.to, proto: low(e.protocol), dport: row.ports ? String(e.destinationPort) : '', fqdn: e.fqdn || '' };
}

async function runReach(ui, e) {
  e.preventDefault();
  const f = e.target.elements, out = $('#reach-result');
  const params = { to: f.to.value.trim(), proto: f.proto.value, dport: f.dport.value.trim() };
  out.replaceChildren(para('hint', 'tracing every source…'));
  document.body.dataset.reach = 'running';
  let a;
  try {
    a = await ui.api('/api/reach?' + ui.q(params));
  } catch (err) {
    out.replaceChildren(para('error', err.message, 'reach-error'));
    document.body.dataset.reach = 'error';
    return;
  }
  const head = `${a.rows.length} row${a.rows.length === 1 ? '' : 's'} can reach ${a.query.to} on ${a.query.protocols.join(', ')} ${a.query.ports}` +
    ` (${a.classes} classes, ${a.traces} packets traced; ${a.complete ? 'every address and port' : 'INCOMPLETE: ' + (a.skipped || []).length + ' addresses skipped'})`;
  out.replaceChildren(para('reach-summary', head, 'reach-summary'));
  if (!a.rows.length) {
    out.append(para('hint', 'nothing: every packet is Unreachable'));
  } else {
    const t = ui.table(['From', 'Addresses', 'Proto', 'Ports', 'Verdict'], [], 'reach-rows');
    const body = t.tBodies[0];
    for (const r of a.rows) {
      const tr = body.insertRow();
      tr.className = 'reach-row ' + low(r.verdict);
      tr.dataset.from = r.from;
      tr.dataset.verdict = r.verdict;
      for (const c of [placeName(r.from), prefixList(r.prefixes), r.protocol, r.ports || '-', r.verdict]) tr.insertCell().textContent = c;
      tr.title = 'trace ' + Object.values(exampleTrace(r)).filter(Boolean).join(' ');
      selectable(tr, async () => {
        await ui.runTrace(exampleTrace(r), { stay: true });
        if (r.from.startsWith('/')) await ui.highlight([r.from], false); // the sources' subnet
      });
    }
    out.append(t, para('hint', 'Click a row to trace its example on the picture.'));
  }
  for (const s of a.skipped || []) out.append(para('error', 'skipped: ' + s));
  document.body.dataset.reach = 'done';
}

// ---- flows ----------------------------------------------------------------------------------
function flowTrace(r) {
  const proto = low(r.protocol);
  return { from: r.source, to: r.destination, proto: ['tcp', 'udp', 'icmp'].includes(proto) ? proto : 'tcp', dport: proto === 'icmp' ? '' : String(r.destinationPort) };
}

// heatmap draws the top talkers: a cell per source × destination, shaded by the number of flows
// (log scale), red where any of them was denied.
function heatmap(rows, max = 10) {
  const sum = (key, r) => { const m = new Map(); for (const x of r) m.set(key(x), (m.get(key(x)) || 0) + x.observed.count); return m; };
  const top = m => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max).map(e => e[0]);
  const srcs = top(sum(r => r.source, rows)), dsts = top(sum(r => r.destination, rows));
  const cells = new Map();
  for (const r of rows) {
    if (!srcs.includes(r.source) || !dsts.includes(r.destination)) continue;
    const k = r.source + '\u0000' + r.destination, c = cells.get(k) || { count: 0, denied: 0, rows: [] };
    c.count += r.observed.count;
    if (r.observed.action === 'Denied') c.denied += r.observed.count;
    c.rows.push(r);
    cells.set(k, c);
  }
  const most = Math.max(1, ...[...cells.values()].map(c => c.count));
  const cw = 34, ch = 22, left = 110, topH = 120;
  const svg = document.createElementNS(SVGNS, 'svg');
  const W = left + dsts.length * cw + 4, H = topH + srcs.length * ch + 4;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', W);
  svg.setAttribute('class', 'heatmap');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `top talkers: ${srcs.length} sources by ${dsts.length} destinations`);
  const add = (name, attrs, parent = svg) => {
    const e = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    parent.append(e);
    return e;
  };
  srcs.forEach((s, i) => { add('text', { x: left - 4, y: topH + i * ch + 15, class: 'hm-label src', 'text-anchor': 'end' }).textContent = s; });
  dsts.forEach((d, j) => {
    const x = left + j * cw + 20, y = topH - 4;
    add('text', { x, y, class: 'hm-label dst', transform: `rotate(-55 ${x} ${y})` }).textContent = d.length > 22 ? d.slice(0, 21) + '…' : d;
  });
  srcs.forEach((s, i) => dsts.forEach((d, j) => {
    const c = cells.get(s + '\u0000' + d);
    const level = c ? Math.ceil(4 * Math.log1p(c.count) / Math.log1p(most)) : 0;
    const g = add('g', { class: `hm-cell l${level}${c && c.denied ? ' denied' : ''}`, 'data-src': s, 'data-dst': d, 'data-count': c ? c.count : 0, 'data-denied': c ? c.denied : 0 });
    add('rect', { x: left + j * cw, y: topH + i * ch, width: cw - 2, height: ch - 2, rx: 2 }, g);
    add('title', {}, g).textContent = c ? `${s} → ${d}: ${c.count} flows, ${c.denied} denied` : `${s} → ${d}: none`;
    if (c) {
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
    }
  }));
  return { svg, cells };
}

async function loadFlows(ui, e) {
  if (e) e.preventDefault();
  const f = $('#flows-form').elements, out = $('#flows-result'), hm = $('#flows-heatmap');
  out.replaceChildren(para('hint', 'explaining observed flows…'));
  document.body.dataset.flows = 'running';
  let all;
  try {
    all = (await ui.api('/api/flows/explain?' + ui.q({ limit: f.limit.value.trim() }))).flows;
  } catch (err) {
    out.replaceChildren(para('error', err.message, 'flows-error'));
    document.body.dataset.flows = 'error';
    return;
  }
  const { svg, cells } = heatmap(all);
  const h3 = document.createElement('h3');
  h3.textContent = `Top talkers (${all.length} flow groups)`;
  hm.replaceChildren(h3, svg);
  for (const g of svg.querySelectorAll('.hm-cell[tabindex]')) {
    const c = cells.get(g.dataset.src + '\u0000' + g.dataset.dst);
    const go = () => ui.runTrace(flowTrace(c.rows.find(r => r.observed.action === 'Denied') || c.rows[0]), { stay: true });
    g.addEventListener('click', go);
    g.addEventListener('keydown', ev => { if (ev.key === 'Enter') go(); });
  }
  const shown = all.filter(r => (f.which.value === 'disagree' ? !r.agrees : r.observed.action === 'Denied'));
  const h = document.createElement('h3');
  h.textContent = f.which.value === 'disagree' ? `Log and model disagree (${shown.length})` : `Denied flows (${shown.length})`;
  const t = ui.table(['Source', 'Destination', 'Proto/port', 'Logged rule', 'Model', ''], [], 'flow-rows');
  for (const r of shown) {
    const tr = t.tBodies[0].insertRow();
    tr.className = 'flow-row' + (r.agrees ? '' : ' disagrees');
    tr.dataset.source = r.source;
    tr.dataset.destination = r.destination;
    const port = low(r.protocol) === 'icmp' ? r.protocol : `${r.protocol}/${r.destinationPort}`;
    const rule = (r.observed.rule || 'default action').replace(/^(UserRule|DefaultRule)_/, '');
    for (const c of [r.source, r.destination, port, `${rule} ×${r.observed.count}`, r.model.verdict, r.agrees ? 'agrees' : 'DISAGREES']) tr.insertCell().textContent = c;
    tr.title = `log: ${r.observed.action} by ${r.observed.by} ${r.observed.rule}\nmodel: ${r.why}`;
    selectable(tr, () => ui.runTrace(flowTrace(r), { stay: true }));
  }
  out.replaceChildren(h, shown.length ? t : para('hint', 'none'));
  document.body.dataset.flows = 'done';
}

// initPanels wires the panels; ui holds the page's api, q, table, runTrace and highlight.
export function initPanels(ui, status) {
  if (status && status.reach) {
    $('[data-tab="reach"]').hidden = false;
    $('#reach-form').addEventListener('submit', e => runReach(ui, e));
  }
  if (status && status.flows) {
    $('[data-tab="flows"]').hidden = false;
    $('#flows-form').addEventListener('submit', e => loadFlows(ui, e));
  }
}
