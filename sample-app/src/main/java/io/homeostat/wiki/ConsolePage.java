package io.homeostat.wiki;

/**
 * The console's markup and script. The script polls {@code /api/cluster} every second and redraws: the ring as SVG
 * (each node at its ring position, the arc of key space it is responsible for, from its predecessor to itself), the
 * replicas of a chosen key, the node table and the merged event feed.
 */
final class ConsolePage {

    private ConsolePage() {
    }

    static final String BODY = """
            <div class="card"><h1>Cluster console</h1>
            <p class="meta"><span id="up-count">?</span> of <span id="node-count">?</span> nodes up ·
            updated <span id="updated">never</span> · <span id="error"></span></p>
            <div style="display:grid;grid-template-columns:480px 1fr;gap:1.2em;align-items:start">
            <svg id="ring" width="460" height="460" viewBox="0 0 460 460" role="img" aria-label="ring"></svg>
            <div>
            <form id="locate"><label>Where do the replicas of key <input id="key" value="Main Page" size="24"></label>
            <button type="submit">Show</button></form>
            <p id="placement" class="meta"></p>
            <p class="meta">Each node owns the arc from its predecessor to itself (Chord). A key hashes to a point;
            its replica group's R slots sit 1/R of the circle apart (diamonds), and each slot is held by the node
            that owns it. Members of the key's group (from the nodes' installed views) are ringed.</p>
            <h3>Self-management, as observed</h3>
            <ol id="events" class="meta" style="max-height:16em;overflow:auto;padding-left:1.2em"></ol>
            </div></div></div>
            <div class="card"><table id="nodes"><thead><tr><th>#</th><th>node</th><th>state</th><th>health</th>
            <th>ring position</th><th>groups held / serving</th><th>requests/s</th><th>messages/s</th>
            <th>L2 hits / misses</th><th>L2 hit ratio</th><th></th></tr></thead><tbody></tbody></table>
            <p id="action" class="meta"></p></div>
            <script>
            const COLORS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#be185d'];
            const CX = 230, CY = 230, R = 170;
            const lastFraction = {};
            let placement = null;
            let lastCluster = null;
            const NS = 'http://www.w3.org/2000/svg';
            function el(name, attrs, text) {
              const e = document.createElementNS(NS, name);
              for (const k in attrs) e.setAttribute(k, attrs[k]);
              if (text !== undefined) e.textContent = text;
              return e;
            }
            function pt(f, r) { const a = f * 2 * Math.PI - Math.PI / 2; return [CX + r * Math.cos(a), CY + r * Math.sin(a)]; }
            function arc(f0, f1, r) {
              let d = f1 - f0; if (d <= 0) d += 1;
              if (d >= 0.9999) return null;
              const [x0, y0] = pt(f0, r), [x1, y1] = pt(f1, r);
              return 'M' + x0 + ' ' + y0 + ' A' + r + ' ' + r + ' 0 ' + (d > 0.5 ? 1 : 0) + ' 1 ' + x1 + ' ' + y1;
            }
            function color(i) { return COLORS[(i - 1) % COLORS.length]; }
            function pct(x) { return x == null ? '–' : (100 * x).toFixed(1) + '%'; }
            function drawRing(c) {
              const svg = document.getElementById('ring');
              svg.replaceChildren();
              svg.appendChild(el('circle', {cx: CX, cy: CY, r: R, fill: 'none', stroke: '#d1d5db', 'stroke-width': 14}));
              const up = c.nodes.filter(n => n.status && n.status.ring);
              const byAddr = {};
              up.forEach(n => { byAddr[n.status.ring.address] = n; lastFraction[n.index] = n.status.ring.fraction; });
              for (const n of up) {
                const pred = byAddr[n.status.ring.predecessor];
                const f1 = n.status.ring.fraction;
                const f0 = pred && pred !== n ? pred.status.ring.fraction : f1;
                const d = arc(f0, f1, R);
                if (d) svg.appendChild(el('path', {d: d, fill: 'none', stroke: color(n.index), 'stroke-width': 14, 'stroke-opacity': 0.55, 'class': 'range'}));
                else svg.appendChild(el('circle', {cx: CX, cy: CY, r: R, fill: 'none', stroke: color(n.index), 'stroke-width': 14, 'stroke-opacity': 0.55, 'class': 'range'}));
              }
              let members = [];
              if (placement) {
                for (const n of up) for (const g of (n.status.groups || [])) if (g.group === placement.group) { members = g.members; }
                const [kx, ky] = pt(placement.point, R - 34);
                svg.appendChild(el('circle', {cx: kx, cy: ky, r: 5, fill: '#111'}));
                svg.appendChild(el('text', {x: kx, y: ky - 9, 'text-anchor': 'middle', 'font-size': 11}, 'key'));
                const sorted = up.slice().sort((a, b) => a.status.ring.fraction - b.status.ring.fraction);
                for (const s of placement.slots) {
                  const [sx, sy] = pt(s.fraction, R - 18);
                  svg.appendChild(el('rect', {x: sx - 5, y: sy - 5, width: 10, height: 10, fill: '#111', transform: 'rotate(45 ' + sx + ' ' + sy + ')', 'class': 'replica'}));
                  const owner = sorted.find(n => n.status.ring.fraction >= s.fraction) || sorted[0];
                  if (owner) {
                    const [ox, oy] = pt(owner.status.ring.fraction, R);
                    svg.appendChild(el('line', {x1: sx, y1: sy, x2: ox, y2: oy, stroke: '#111', 'stroke-dasharray': '3 3'}));
                  }
                }
              }
              for (const n of c.nodes) {
                const f = n.status && n.status.ring ? n.status.ring.fraction : lastFraction[n.index];
                if (f === undefined) continue;
                const [x, y] = pt(f, R);
                const isUp = !!(n.status && n.status.ring);
                const member = isUp && members.indexOf(n.status.ring.address) >= 0;
                if (member) svg.appendChild(el('circle', {cx: x, cy: y, r: 19, fill: 'none', stroke: '#111', 'stroke-width': 3, 'class': 'replica-holder'}));
                svg.appendChild(el('circle', {cx: x, cy: y, r: 13, fill: isUp ? color(n.index) : '#fff', stroke: isUp ? '#fff' : '#9ca3af', 'stroke-width': 3, 'class': isUp ? 'ring-node up' : 'ring-node down', 'data-node': n.index}));
                svg.appendChild(el('text', {x: x, y: y + 4, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 700, fill: isUp ? '#fff' : '#6b7280'}, String(n.index)));
                const [lx, ly] = pt(f, R + 36);
                svg.appendChild(el('text', {x: lx, y: ly + 4, 'text-anchor': 'middle', 'font-size': 12, fill: isUp ? '#111' : '#9ca3af'}, 'node-' + n.index + (isUp ? '' : ' (down)')));
              }
              svg.appendChild(el('text', {x: CX, y: CY - 6, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 700}, up.length + ' / ' + c.nodes.length + ' up'));
              svg.appendChild(el('text', {x: CX, y: CY + 14, 'text-anchor': 'middle', 'font-size': 12, fill: '#6b7280'}, 'key space 0 … 2^128'));
              if (placement) {
                document.getElementById('placement').textContent = 'key "' + placement.key + '" → point ' + placement.point.toFixed(4)
                  + ', group ' + placement.group + ' of ' + placement.groups + ', replica slots at '
                  + placement.slots.map(s => s.fraction.toFixed(3)).join(', ')
                  + (members.length ? '; group members: ' + members.join(', ') : '; group members: unknown');
              }
            }
            function drawTable(c) {
              const body = document.querySelector('#nodes tbody');
              body.replaceChildren();
              for (const n of c.nodes) {
                const s = n.status;
                const tr = document.createElement('tr');
                tr.id = 'node-row-' + n.index;
                tr.dataset.up = s ? 'true' : 'false';
                tr.dataset.state = n.state;
                const cells = [n.index, s ? s.node : 'node-' + n.index, n.state,
                  !s ? 'down' : s.healthy ? 'healthy' : 'degraded',
                  s && s.ring ? s.ring.ringId.substring(0, 8) + ' (' + pct(s.ring.fraction) + ')' : '–',
                  s ? s.groupsHeld + ' / ' + s.groupsServing : '–',
                  s ? s.requestsPerSecond : '–', s ? s.messagesPerSecond : '–',
                  s ? s.l2.hits + ' / ' + s.l2.misses : '–', s ? pct(s.l2.hitRatio) : '–'];
                cells.forEach((v, i) => {
                  const td = document.createElement('td');
                  td.textContent = v;
                  if (i === 0) td.style.color = color(n.index);
                  if (i === 3) td.className = 'health';
                  if (i === 8) td.className = 'l2';
                  tr.appendChild(td);
                });
                const td = document.createElement('td');
                if (c.launcher) {
                  for (const a of (s ? ['stop', 'kill'] : ['start'])) {
                    const b = document.createElement('button');
                    b.textContent = a === 'kill' ? 'kill -9' : a;
                    b.id = a + '-' + n.index;
                    b.style.marginRight = '.3em';
                    b.onclick = () => act(n.index, a);
                    td.appendChild(b);
                  }
                }
                tr.appendChild(td);
                body.appendChild(tr);
              }
              const events = [];
              for (const n of c.nodes) if (n.status && n.status.events) events.push(...n.status.events);
              events.sort((a, b) => b.time - a.time);
              const ol = document.getElementById('events');
              ol.replaceChildren();
              for (const e of events.slice(0, 30)) {
                const li = document.createElement('li');
                li.className = 'event ' + e.kind;
                li.textContent = new Date(e.time).toLocaleTimeString() + ' ' + e.node + ' [' + e.kind + '] ' + e.text;
                ol.appendChild(li);
              }
              document.getElementById('up-count').textContent = c.nodes.filter(n => n.up).length;
              document.getElementById('node-count').textContent = c.nodes.length;
              document.getElementById('updated').textContent = new Date().toLocaleTimeString();
            }
            async function act(index, action) {
              document.getElementById('action').textContent = action + ' node ' + index + ' …';
              const r = await fetch('/api/nodes/' + index + '/' + action, {method: 'POST'});
              const j = await r.json();
              document.getElementById('action').textContent = action + ' node ' + index + ': ' + (j.message || j.error || r.status);
            }
            async function locate(ev) {
              if (ev) ev.preventDefault();
              const r = await fetch('/api/placement?key=' + encodeURIComponent(document.getElementById('key').value));
              placement = await r.json();
              if (lastCluster) drawRing(lastCluster);
            }
            async function tick() {
              try {
                const r = await fetch('/api/cluster', {cache: 'no-store'});
                lastCluster = await r.json();
                drawRing(lastCluster);
                drawTable(lastCluster);
                document.getElementById('error').textContent = '';
              } catch (e) {
                document.getElementById('error').textContent = 'this node does not answer: ' + e;
              }
            }
            document.getElementById('locate').addEventListener('submit', locate);
            locate();
            tick();
            setInterval(tick, 1000);
            </script>
            """;
}
