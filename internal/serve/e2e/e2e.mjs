// Browser tests of `vnetdoctor serve` on examples/hub-spoke: Playwright (playwright-core)
// driving Debian's chromium. Run by internal/serve's TestBrowser (go test), which starts the
// server and sets:
//   BASE_URL   the server, e.g. http://127.0.0.1:41234
//   CHROMIUM   the browser executable (default /usr/bin/chromium)
//   SHOTS      where screenshots go (one per seed case; CI keeps the directory)
//   MODE       "seed" (default): the seed cases, keyboard, console and CSP checks;
//              "panels": the reach panel, and the flows panel when the server has --db;
//              "firstpaint": load BASE_URL and print the time to first paint as JSON.
// Exit status 0 when every check holds; each failure is printed on one line.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.BASE_URL;
const SHOTS = process.env.SHOTS || 'screenshots';
const MODE = process.env.MODE || 'seed';
if (!BASE) { console.error('BASE_URL is required'); process.exit(2); }
mkdirSync(SHOTS, { recursive: true });

const failures = [];
const check = (ok, msg) => { if (!ok) { failures.push(msg); console.log('FAIL ' + msg); } };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

async function newPage(errors) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('console', m => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
  page.on('pageerror', e => errors.push('pageerror: ' + e.message));
  page.on('requestfailed', r => errors.push('request failed: ' + r.url()));
  return page;
}

async function load(page) {
  const resp = await page.goto(BASE + '/');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  return resp;
}

if (MODE === 'firstpaint') {
  const errors = [];
  const page = await newPage(errors);
  const t0 = Date.now();
  await load(page);
  const wall = Date.now() - t0;
  const timings = await page.evaluate(() => window.vnetdoctorTimings);
  const inPage = timings.firstPaintMs;
  const vnets = await page.locator('g.vnet').count();
  await page.screenshot({ path: join(SHOTS, 'estate-first-paint.png') });
  const ms = k => Math.round(timings[k]);
  console.log(JSON.stringify({ firstPaintMs: Math.round(inPage), startMs: ms('startMs'), topologyMs: ms('topologyMs'), laidOutMs: ms('laidOutMs'), drawnMs: ms('drawnMs'), wallMs: wall, vnetsDrawn: vnets, errors }));
  await browser.close();
  process.exit(errors.length ? 1 : 0);
}

// apiTrace asks the API directly: the DOM is compared with this answer.
async function apiTrace(p) {
  const r = await fetch(BASE + '/api/trace?' + new URLSearchParams(p));
  return r.json();
}

async function traceFromUI(page, p) {
  for (const f of ['from', 'to', 'dport', 'fqdn']) await page.fill(`#trace-form [name=${f}]`, p[f] || '');
  await page.selectOption('#trace-form [name=proto]', p.proto || 'tcp');
  await page.click('#trace-go');
  await page.waitForSelector('body[data-trace="done"], body[data-trace="error"]', { timeout: 30000 });
  // the attribute may still say done from the previous case: wait for this query's verdict
  await page.waitForFunction(q => {
    const v = document.querySelector('#verdict');
    return v && v.textContent.includes(q.from + ' → ' + q.to);
  }, p, { timeout: 30000 });
}

// checkDrawn compares the drawn trace with the API's answer: a path per leg (forward solid,
// return dashed), one badge per hop showing one of its steps, a drop where a leg is dropped,
// the step list beside it, and the link between a step and its badge.
async function checkDrawn(page, name, a) {
  const verdict = await page.textContent('#verdict');
  check(verdict.startsWith(a.verdict + ':'), `${name}: verdict "${verdict}", want ${a.verdict}`);
  for (const leg of ['forward', 'return']) {
    const L = a[leg];
    const badges = page.locator(`.badge[data-leg="${leg}"]`);
    if (!L) {
      check(await badges.count() === 0, `${name}: ${leg} badges drawn for a leg the answer does not have`);
      continue;
    }
    check(await badges.count() === L.hops.length, `${name}: ${leg} has ${await badges.count()} badges, want ${L.hops.length}`);
    check(await page.locator(`#trace-result li.hop[data-leg="${leg}"]`).count() === L.hops.length, `${name}: ${leg} step list length`);
    if (L.hops.length > 1) {
      const dash = await page.$eval(`polyline.trace-path.${leg}`, e => getComputedStyle(e).strokeDasharray).catch(() => null);
      check(dash !== null, `${name}: no ${leg} path drawn`);
      if (dash !== null) check(leg === 'forward' ? dash === 'none' : dash !== 'none', `${name}: ${leg} path dash "${dash}"`);
    }
    for (let i = 0; i < L.hops.length; i++) {
      const b = page.locator(`.badge[data-leg="${leg}"][data-hop="${i}"]`);
      const step = await b.getAttribute('data-step');
      const hop = L.hops[i];
      check(hop.steps.some(s => s.step === step), `${name}: ${leg} hop ${i} (${hop.name}) badge step "${step}" is not one of its steps`);
      const denied = hop.steps.find(s => s.result === 'Denied');
      if (denied) {
        check((await b.getAttribute('class')).includes('denied') && await b.getAttribute('data-rule') === denied.rule,
          `${name}: ${leg} hop ${i} badge does not show the denying ${denied.step} ${denied.rule}`);
      }
    }
    if (L.disposition === 'Dropped') {
      check(await page.locator(`.drop[data-leg="${leg}"][data-cause="${L.dropCause}"]`).count() === 1, `${name}: ${leg} drop ${L.dropCause} not drawn`);
    }
    // the step list and the picture are linked
    const last = L.hops.length - 1;
    await page.click(`#hop-${leg}-${last}`);
    check((await page.locator(`.badge[data-leg="${leg}"][data-hop="${last}"]`).getAttribute('class')).includes('selected'),
      `${name}: clicking ${leg} step ${last} does not select its badge`);
  }
}

// MODE=panels: the reach panel and, when the server has a flow database, the flows panel.
if (MODE === 'panels') {
  const errors = [];
  const page = await newPage(errors);
  await load(page);
  await panels(page);
  check(errors.length === 0, 'console errors: ' + errors.join(' | '));
  await browser.close();
  console.log(failures.length ? `${failures.length} failure(s)` : 'all panel checks passed');
  process.exit(failures.length ? 1 : 0);
}

async function apiGet(path) { return (await fetch(BASE + path)).json(); }

// placeName as the CLI's reach text shortens a place: VNET/SUBNET, else the resource name.
function placeName(s) {
  if (!s.startsWith('/')) return s;
  const p = s.replace(/^\/+|\/+$/g, '').split('/');
  for (let i = 0; i + 3 < p.length; i++) if (p[i].toLowerCase() === 'virtualnetworks' && p[i + 2].toLowerCase() === 'subnets') return p[i + 1] + '/' + p[i + 3];
  return p.at(-1);
}

async function waitVerdict(page, from, to) {
  await page.waitForFunction(([f, t]) => document.querySelector('#verdict')?.textContent.includes(f + ' → ' + t), [from, to], { timeout: 30000 });
}

async function panels(page) {
  const st = await apiGet('/api/status');
  if (!st.reach) {
    check(await page.locator('[data-tab="reach"]').isHidden(), 'reach: the tab shows on a server without reach');
    return;
  }
  // reach: who can reach vm-app1 on tcp/443; the rows drawn are the API's; a row traces its example.
  try {
    await page.click('[data-tab="reach"]');
    await page.fill('#reach-form [name=to]', 'vm-app1');
    await page.selectOption('#reach-form [name=proto]', 'tcp');
    await page.fill('#reach-form [name=dport]', '443');
    await page.click('#reach-go');
    await page.waitForSelector('body[data-reach="done"], body[data-reach="error"]', { timeout: 60000 });
    const a = await apiGet('/api/reach?to=vm-app1&proto=tcp&dport=443');
    const rows = page.locator('#reach-result tr.reach-row');
    check(a.rows.length > 0, 'reach: the API lists no rows for vm-app1 tcp/443');
    check(await rows.count() === a.rows.length, `reach: ${await rows.count()} rows drawn, the API has ${a.rows.length}`);
    for (let i = 0; i < a.rows.length; i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      const r = a.rows[i];
      check(cells[0] === placeName(r.from) && cells[2] === r.protocol && cells[3] === (r.ports || '-') && cells[4] === r.verdict,
        `reach row ${i}: drawn ${JSON.stringify(cells)}, API ${placeName(r.from)} ${r.protocol} ${r.ports} ${r.verdict}`);
    }
    check((await page.textContent('#reach-summary')).startsWith(`${a.rows.length} row`), 'reach: the summary counts the rows');
    const i = a.rows.findIndex(r => r.from.startsWith('/'));
    const r = a.rows[i >= 0 ? i : 0], e = r.example;
    await rows.nth(i >= 0 ? i : 0).click();
    await waitVerdict(page, e.from, e.to);
    check(await page.locator('#tab-reach').isVisible(), 'reach: the panel stays open after a row is traced');
    check((await rows.nth(i >= 0 ? i : 0).getAttribute('class')).includes('selected'), 'reach: the clicked row is selected');
    const t = await apiTrace({ from: e.from, to: e.to, proto: e.protocol.toLowerCase(), dport: String(e.destinationPort) });
    check(t.verdict === r.verdict, `reach: the example traces ${t.verdict}, the row says ${r.verdict}`);
    await page.click('[data-tab="trace"]'); // the step list is linked to the picture there
    await checkDrawn(page, 'reach row', t);
    await page.click('[data-tab="reach"]');
    if (r.from.startsWith('/')) {
      await page.waitForSelector('.subnet.hl', { timeout: 10000 });
      check(await page.locator(`.subnet.hl[data-name="${placeName(r.from).split('/')[1]}"]`).count() === 1, 'reach: the sources\' subnet is highlighted');
    }
    await page.screenshot({ path: join(SHOTS, 'reach-vm-app1-443.png') });
    // Enter on a row traces it too (keyboard)
    await rows.nth(a.rows.length - 1).focus();
    await page.keyboard.press('Enter');
    const last = a.rows.at(-1).example;
    await waitVerdict(page, last.from, last.to);
    // from the NIC panel: "Who can reach it?" asks the reach panel about that VM.
    await page.locator('.device[data-name="vm-jump-nic"]').click();
    await page.click('#nic-reach');
    await page.waitForFunction(() => document.body.dataset.reach === 'done' && document.querySelector('#reach-summary')?.textContent.includes('vm-jump'), null, { timeout: 60000 });
    // the form keeps its protocol and ports (tcp, 443 from above)
    const j = await apiGet('/api/reach?' + new URLSearchParams({ to: 'vm-jump', proto: await page.inputValue('#reach-form [name=proto]'), dport: await page.inputValue('#reach-form [name=dport]') }));
    check(await rows.count() === j.rows.length, `reach vm-jump from the NIC panel: ${await rows.count()} rows drawn, the API has ${j.rows.length}`);
    console.log('ok   reach panel');
  } catch (err) {
    check(false, 'reach panel: ' + err.message.split('\n')[0]);
  }
  if (!st.flows) {
    check(await page.locator('[data-tab="flows"]').isHidden(), 'flows: the tab shows without a flow database');
    return;
  }
  // flows: the heatmap sums the API's flows per source and destination; the denied list is the
  // API's denied rows; a row traces its flow; the disagreement list shows the planted one.
  try {
    await page.click('[data-tab="flows"]');
    await page.click('#flows-go');
    await page.waitForSelector('body[data-flows="done"], body[data-flows="error"]', { timeout: 60000 });
    const all = (await apiGet('/api/flows/explain?limit=1000')).flows;
    const denied = all.filter(f => f.observed.action === 'Denied');
    const pairs = new Map();
    for (const f of all) {
      const k = f.source + ' ' + f.destination, c = pairs.get(k) || { n: 0, d: 0 };
      c.n += f.observed.count;
      if (f.observed.action === 'Denied') c.d += f.observed.count;
      pairs.set(k, c);
    }
    const cells = await page.$$eval('.hm-cell', es => es.map(e => ({ k: e.dataset.src + ' ' + e.dataset.dst, n: +e.dataset.count, d: +e.dataset.denied, cls: e.getAttribute('class') })));
    const filled = cells.filter(c => c.n > 0);
    check(filled.length === pairs.size, `flows heatmap: ${filled.length} cells filled, the API has ${pairs.size} source-destination pairs`);
    for (const c of filled) {
      const want = pairs.get(c.k);
      check(want && want.n === c.n && want.d === c.d && c.cls.includes('denied') === (want.d > 0), `flows heatmap cell ${c.k}: ${c.n}/${c.d} ${c.cls}, API ${JSON.stringify(want)}`);
    }
    const rows = page.locator('#flows-result tr.flow-row');
    check(denied.length > 0 && await rows.count() === denied.length, `flows: ${await rows.count()} denied rows drawn, the API has ${denied.length}`);
    for (let i = 0; i < denied.length; i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      check(cells[0] === denied[i].source && cells[1] === denied[i].destination && cells[4] === denied[i].model.verdict, `flows row ${i}: ${JSON.stringify(cells)}`);
    }
    await page.screenshot({ path: join(SHOTS, 'flows-denied.png') });
    const f = denied[0];
    await rows.nth(0).click();
    await waitVerdict(page, f.source, f.destination);
    const t = await apiTrace({ from: f.source, to: f.destination, proto: f.protocol.toLowerCase(), dport: String(f.destinationPort) });
    await page.click('[data-tab="trace"]');
    await checkDrawn(page, 'flows row', t);
    await page.click('[data-tab="flows"]');
    check(t.verdict === f.model.verdict, `flows: the row's trace is ${t.verdict}, the model column says ${f.model.verdict}`);
    await page.selectOption('#flows-form [name=which]', 'disagree');
    await page.click('#flows-go');
    await page.waitForFunction(() => document.body.dataset.flows === 'done' && document.querySelector('#flows-result h3')?.textContent.startsWith('Log and model'), null, { timeout: 60000 });
    const dis = all.filter(x => !x.agrees);
    check(await page.locator('#flows-result tr.flow-row.disagrees').count() === dis.length && dis.length > 0, `flows: ${dis.length} disagreements in the API, drawn ${await page.locator('#flows-result tr.flow-row.disagrees').count()}`);
    await page.screenshot({ path: join(SHOTS, 'flows-disagree.png') });
    console.log('ok   flows panel');
  } catch (err) {
    check(false, 'flows panel: ' + err.message.split('\n')[0]);
  }
}

const seeds = [
  { n: 1, name: 'dns-proxy-upstream-blocked', trace: { from: 'afw-hub', to: 'vm-dns1', proto: 'udp', dport: '53' },
    extra: async (page, a) => {
      check(a.forward.dropCause === 'NsgDenied', 'seed 1: API dropCause ' + a.forward.dropCause);
      check(await page.locator('.badge.forward.denied[data-rule="securityRules/deny-dns-from-anywhere-else"]').count() === 1, 'seed 1: the denying rule badge');
    } },
  { n: 2, name: 'asymmetric-return', trace: { from: 'vm-app1', to: 'pe-sql-data', proto: 'tcp', dport: '1433' },
    extra: async (page, a) => {
      check(a.verdict === 'Unreachable' && a.return.disposition === 'Dropped', 'seed 2: API answer');
      check(await page.locator('.drop[data-leg="return"]').count() === 1, 'seed 2: the return drop is drawn');
      check((await page.textContent('.trace-findings')).includes('AsymmetricReturn'), 'seed 2: AsymmetricReturn listed');
      check(await page.locator('.badge.forward[data-step="FirewallNetworkRule"]').count() === 1, 'seed 2: the firewall rule badge');
    } },
  { n: 3, name: 'netapp-basic-ip-limit', finding: 'NetAppBasicIpLimit' },
  { n: 4, name: 'merger-overlap', trace: { from: 'vm-merger1', to: 'vm-dns1', proto: 'udp', dport: '53' },
    extra: async (page, a) => {
      check(a.forward.dropCause === 'NextHopNone', 'seed 4: API dropCause ' + a.forward.dropCause);
      check((await page.textContent('.trace-findings')).includes('PeeringNotConnected'), 'seed 4: PeeringNotConnected listed');
    } },
  { n: 5, name: 'snat-capacity', finding: 'SnatCapacity',
    trace: { from: 'vm-app1', to: 'internet:20.60.26.10', proto: 'tcp', dport: '443', fqdn: 'stdataprod001.blob.core.windows.net' },
    extra: async (page, a) => {
      check(a.verdict === 'Reachable', 'seed 5: API verdict ' + a.verdict);
      check(await page.locator('.badge.forward[data-step="FirewallApplicationRule"], .badge.forward[data-step="Snat"]').count() >= 1, 'seed 5: the firewall (SNAT) badge');
    } },
  { n: 6, name: 'private-endpoint-cost', finding: 'PrivateEndpointCost', trace: { from: 'vm-data1', to: 'pe-stdata-blob', proto: 'tcp', dport: '443' },
    extra: async (page, a) => {
      check(a.forward.hops.at(-1).kind === 'PrivateEndpoint', 'seed 6: API ends at the endpoint');
    } },
  { n: 7, name: 'gateway-lb-chain', trace: { from: 'internet:198.51.100.7', to: 'pip-lb-web', proto: 'tcp', dport: '443' },
    extra: async (page, a) => {
      check(a.verdict === 'Reachable', 'seed 7: API verdict ' + a.verdict);
      check(await page.locator('.badge.forward[data-step="Tunnel"]').count() >= 2, 'seed 7: the two tunnel badges');
      check((await page.textContent('#trace-result')).includes('vm-nva-gw1'), 'seed 7: the NVA hop in the step list');
    } },
];

const errors = [];
const page = await newPage(errors);
const resp = await load(page);
const csp = resp.headers()['content-security-policy'] || '';
check(csp.includes("script-src 'self'") && csp.includes("default-src 'none'") && !csp.includes('unsafe'), 'CSP header: ' + csp);
check(await page.locator('g.vnet').count() === 5, 'the example draws 5 VNets');
check(await page.locator('g.vnet.hub[data-name="vnet-hub"]').count() === 1, 'vnet-hub is drawn as a hub');
check(await page.locator('.peering.broken').count() === 2, 'two half-built peerings are drawn broken');
for (const k of ['firewall', 'gateway', 'nva', 'privateEndpoint', 'loadBalancer', 'vm']) {
  check(await page.locator(`.device[data-kind="${k}"]`).count() > 0, 'no device of kind ' + k);
}
await page.screenshot({ path: join(SHOTS, '00-topology.png') });

let findingsLoaded = false;
for (const s of seeds) {
  const tag = `seed ${s.n} ${s.name}`;
  try {
    if (s.finding) {
      await page.click('[data-tab="findings"]');
      if (!findingsLoaded) {
        await page.click('#run-check');
        await page.waitForSelector('.finding', { timeout: 60000 });
        findingsLoaded = true;
      }
      const btn = page.locator(`.finding[data-code="${s.finding}"] .show-me`).first();
      await btn.click();
      await page.waitForFunction(code => document.querySelector(`.finding[data-code="${code}"] .show-me[data-highlighted]`), s.finding, { timeout: 30000 });
      const n = await page.locator('.hl').count();
      check(n >= 1, `${tag}: show me highlights nothing`);
      await page.screenshot({ path: join(SHOTS, `seed${s.n}-${s.name}-findings.png`) });
      await page.click('[data-tab="trace"]');
    }
    if (s.trace) {
      await traceFromUI(page, s.trace);
      const a = await apiTrace(s.trace);
      await checkDrawn(page, tag, a);
      if (s.extra) await s.extra(page, a);
      await page.screenshot({ path: join(SHOTS, `seed${s.n}-${s.name}.png`) });
    }
    console.log('ok   ' + tag);
  } catch (e) {
    check(false, `${tag}: ${e.message.split('\n')[0]}`);
  }
}

// click two endpoints: shift-click vm-web1, then vm-data1, traces between them.
try {
  await page.click('#trace-clear');
  await page.click('#fit'); // show me zoomed in on a finding
  await page.fill('#trace-form [name=from]', '');
  await page.fill('#trace-form [name=dport]', '443');
  await page.locator('.device[data-name="vm-web1-nic"]').click({ modifiers: ['Shift'] });
  await page.locator('.device[data-name="vm-data1-nic"]').click({ modifiers: ['Shift'] });
  await page.waitForFunction(() => document.querySelector('#verdict')?.textContent.includes('vm-web1 → vm-data1'), null, { timeout: 30000 });
  await checkDrawn(page, 'shift-click', await apiTrace({ from: 'vm-web1', to: 'vm-data1', proto: 'tcp', dport: '443' }));
  await page.screenshot({ path: join(SHOTS, 'click-two-endpoints.png') });
  console.log('ok   click two endpoints');
} catch (e) {
  check(false, 'click two endpoints: ' + e.message.split('\n')[0]);
}

// keyboard: "/" focuses search, Enter searches, Enter on a result opens the VM's tables;
// Enter on a focused device does the same.
try {
  await page.keyboard.press('Escape');
  await page.locator('#topo').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement.id) === 'search', 'keyboard: / focuses the search box');
  await page.keyboard.type('vm-jump');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search-results button');
  check(await page.evaluate(() => document.activeElement.closest('#search-results') !== null), 'keyboard: the first result has focus');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#nic-panel table.routes', { timeout: 10000 });
  check((await page.textContent('#nic-panel h2')).includes('vm-jump'), 'keyboard: result opens vm-jump');
  check(await page.locator('.device.hl[data-name="vm-jump-nic"]').count() === 1, 'keyboard: vm-jump is highlighted');
  await page.focus('.device[data-name="vm-dns1-nic"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#nic-panel h2')?.textContent.includes('vm-dns1'));
  await page.waitForSelector('#nic-panel table.rules', { timeout: 10000 }); // the panel was emptied for vm-dns1
  check(await page.locator('#nic-panel table.rules').count() >= 1, 'keyboard: Enter on vm-dns1 shows its rules');
  await page.screenshot({ path: join(SHOTS, 'keyboard-nic-panel.png') });
  await page.focus('.subnet[data-name="GatewaySubnet"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#nic-panel h2')?.textContent.includes('GatewaySubnet'));
  await page.waitForSelector('#nic-panel table.routes', { timeout: 10000 });
  const gwRoutes = await (await fetch(BASE + '/api/routes?subnet=vnet-hub%2FGatewaySubnet')).json();
  check(await page.locator('#nic-panel table.routes tbody tr').count() === gwRoutes.value.length, 'keyboard: GatewaySubnet routes table has the API rows');
  console.log('ok   keyboard');
} catch (e) {
  check(false, 'keyboard: ' + e.message.split('\n')[0]);
}
check(errors.length === 0, 'console errors: ' + errors.join(' | '));

// CSP holds: an injected inline script, inline event handler or style attribute does not apply, and the browser reports the violation.
{
  const cspErrors = [];
  const p2 = await newPage(cspErrors);
  await load(p2);
  const r = await p2.evaluate(async () => {
    const seen = [];
    document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.head.append(s);
    const div = document.createElement('div');
    div.setAttribute('onclick', 'window.handlerRan = true');
    div.setAttribute('style', 'color: rgb(255, 0, 0)');
    document.body.append(div);
    div.click();
    const styled = getComputedStyle(div).color === 'rgb(255, 0, 0)';
    const img = new Image();
    img.src = 'https://example.invalid/x.png';
    document.body.append(img);
    await new Promise(res => setTimeout(res, 300));
    return { inline: window.inlineRan === true, handler: window.handlerRan === true, styled, seen };
  });
  check(!r.inline, 'CSP: an inline script ran');
  check(!r.handler, 'CSP: an inline event handler ran');
  check(!r.styled, 'CSP: an inline style attribute applied');
  check(r.seen.some(d => d.startsWith('script-src')), 'CSP: no script-src violation reported: ' + r.seen.join(','));
  check(r.seen.some(d => d.startsWith('img-src')), 'CSP: a foreign image was not blocked: ' + r.seen.join(','));
  console.log('ok   csp');
}

await browser.close();
console.log(failures.length ? `${failures.length} failure(s)` : 'all browser checks passed');
process.exit(failures.length ? 1 : 0);
