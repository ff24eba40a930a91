// Where a graph's nodes go, and how much room a text takes: a port of backprop.figures.text
// and backprop.figures.grid (part of the widget's browser engine; needs numbers.js, engine.js).
//
// Every step below is the Python function of the same name, in the same order of
// floating-point operations, so that both engines place every node alike. The constants
// (CX, RY, R, FONT, SMALL, MARGIN, AUTO_ROW, FORK_ANGLE, CHAR_EM, DEFAULT_EM, WIDE_EM, BOLD,
// DESCENDERS, DESCENT, WIDE_RANGES) are written in front of the engine by
// backprop.widgets.bundle.constants_source, from the Python modules: one source.

// Not Math.hypot, whose rounding may differ from Python's: see backprop.figures.text.hypot.
function hypot(dx, dy) { return Math.sqrt(dx * dx + dy * dy); }

const EM = new Map();
for (const [chars, em] of Object.entries(CHAR_EM)) for (const ch of chars) EM.set(ch, em);

function charEm(ch) {
  if (EM.has(ch)) return EM.get(ch);
  const code = ch.codePointAt(0);
  return WIDE_RANGES.some(([lo, hi]) => lo <= code && code <= hi) ? WIDE_EM : DEFAULT_EM;
}

function textWidth(text, size, bold = false) {
  let em = 0;
  for (const ch of text) em += charEm(ch);
  return size * em * (bold ? BOLD : 1.0);
}

function descent(text, size) {
  for (const ch of text) if (DESCENDERS.includes(ch)) return DESCENT * size;
  return 0.0;
}

function textBox(px, py, nx, ny, text, size, bold = false) {
  const w = textWidth(text, size, bold), h = 0.75 * size + descent(text, size);
  const reach = Math.abs(nx) * w / 2 + Math.abs(ny) * h / 2;
  const cx = px + nx * reach, cy = py + ny * reach;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

// ---- where the nodes go ---------------------------------------------------------------

function hasHints(g) { return [...g.nodes.values()].every((n) => n.pos !== null && n.pos !== undefined); }

// backprop.figures.grid.grid: node id -> [column, row] (a Map in the graph's order).
function grid(g) {
  const order = g.order();
  const nodes = g.nodes;
  const out = new Map();
  if (hasHints(g)) {
    for (const nid of order) out.set(nid, [nodes.get(nid).pos[0], nodes.get(nid).pos[1]]);
    return out;
  }
  const consumers = new Map(order.map((nid) => [nid, []]));
  for (const nid of order) {
    for (const src of nodes.get(nid).inputs) if (!consumers.get(src).includes(nid)) consumers.get(src).push(nid);
  }
  const layer = {};
  for (const nid of order.slice().reverse()) {
    const cs = consumers.get(nid);
    layer[nid] = (cs.length ? Math.min(...cs.map((c) => layer[c])) : 1) - 1;
  }
  const parent = {};
  for (const nid of order) parent[nid] = consumers.get(nid).find((c) => layer[c] === layer[nid] + 1) ?? null;
  const children = {};
  for (const nid of order) children[nid] = [];
  for (const nid of order) {
    for (const src of nodes.get(nid).inputs) if (parent[src] === nid && !children[nid].includes(src)) children[nid].push(src);
  }
  const row = {};
  let nextRow = 0;
  const place = (nid) => {
    for (const child of children[nid]) place(child);
    const cs = children[nid];
    if (cs.length) row[nid] = (row[cs[0]] + row[cs[cs.length - 1]]) / 2;
    else { row[nid] = nextRow; nextRow += AUTO_ROW; }
  };
  for (const nid of order) if (parent[nid] === null) place(nid);
  const first = Math.min(...order.map((nid) => layer[nid]));
  const col = {};
  for (const nid of order) col[nid] = layer[nid] - first;
  const full = stateAfter(g, null);
  spreadColumns(g, col, full);
  for (const nid of order) out.set(nid, [col[nid], row[nid]]);
  for (const nid of order) {
    if (isLeaf(nodes.get(nid).op) && consumers.get(nid).length > 1) out.set(nid, bestLeafSpot(g, nid, out, consumers, full));
  }
  return out;
}

function spreadColumns(g, col, full) {
  const need = new Map();
  for (const e of g.edges()) {
    if (e.dst === null || col[e.dst] - col[e.src] !== 1) continue;
    const wide = Math.max(textWidth(formatValue(full.values[e.id]), FONT), textWidth(formatValue(full.grads[e.id]), FONT, true));
    const srcR = isLeaf(g.nodes.get(e.src).op) ? 0.0 : R;
    need.set(col[e.src], Math.max(need.has(col[e.src]) ? need.get(col[e.src]) : 1.0, (wide + srcR + R + 2 * MARGIN + 4) / CX));
  }
  let shift = 0.0;
  const moved = new Map();
  for (const c of [...new Set(Object.values(col))].sort((a, b) => a - b)) {
    moved.set(c, c + shift);
    shift += (need.has(c) ? need.get(c) : 1.0) - 1.0;
  }
  for (const nid of Object.keys(col)) col[nid] = moved.get(col[nid]);
}

function segmentDistance(px, py, x0, y0, x1, y1) {
  const dx = x1 - x0, dy = y1 - y0;
  let t = ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy || 1.0);
  t = Math.max(0.0, Math.min(1.0, t));
  return hypot(x0 + t * dx - px, y0 + t * dy - py);
}

function crosses(a, b) {
  const side = (p, q, r) => (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]);
  const p1 = [a[0], a[1]], p2 = [a[2], a[3]], p3 = [b[0], b[1]], p4 = [b[2], b[3]];
  const d1 = side(p3, p4, p1), d2 = side(p3, p4, p2), d3 = side(p1, p2, p3), d4 = side(p1, p2, p4);
  return d1 * d2 < -1e-9 && d3 * d4 < -1e-9;
}

// Liang-Barsky: the part [lo, hi] of segment (x0, y0)-(x0 + dx, y0 + dy) inside box, or null.
function clipRange(x0, y0, dx, dy, box) {
  let lo = 0.0, hi = 1.0;
  for (const [p, q] of [[-dx, x0 - box[0]], [dx, box[2] - x0], [-dy, y0 - box[1]], [dy, box[3] - y0]]) {
    if (p === 0) { if (q < 0) return null; }
    else if (p < 0) lo = Math.max(lo, q / p);
    else hi = Math.min(hi, q / p);
  }
  return [lo, hi];
}

function segmentBox(seg, box) {
  const r = clipRange(seg[0], seg[1], seg[2] - seg[0], seg[3] - seg[1], box);
  return r !== null && r[1] > r[0];
}

function bestLeafSpot(g, nid, pos, consumers, full) {
  const nodes = g.nodes;
  const px = new Map([...pos].map(([k, [c, r]]) => [k, [c * CX, r * RY]]));
  const others = [...px].filter(([k]) => k !== nid);
  const segs = g.edges().filter((e) => e.dst !== null && e.src !== nid && e.dst !== nid)
    .map((e) => [...px.get(e.src), ...px.get(e.dst)]);
  const rows = [...pos.values()].map(([, r]) => r);
  const first = Math.min(...[...pos.values()].map(([c]) => c));
  const limit = Math.min(...consumers.get(nid).map((c) => pos.get(c)[0]));
  const cols = [...new Set([...[...pos.values()].map(([c]) => c).filter((c) => c < limit), first - 1.0])].sort((a, b) => b - a);
  const candidates = [];
  const top = Math.max(...rows) + 3 * AUTO_ROW;
  for (let r = Math.min(...rows) - 3 * AUTO_ROW; r <= top; r += AUTO_ROW / 2) for (const c of cols) candidates.push([c, r]);
  const nameW = textWidth(nodes.get(nid).label, FONT);
  const sumW = textWidth(formatSum(g.edges().filter((e) => e.src === nid).map((e) => full.grads[e.id]), g.nodeGrads[nid]), FONT, true);
  let best = null;
  for (const [c, r] of candidates) {
    const x = c * CX, y = r * RY;
    let cost = 0.0;
    const h = 0.75 * FONT;
    for (const box of [[x - 5 - nameW, y - h / 2, x - 5, y + h / 2],
      [x - 5 - sumW, y + h / 2 + 2 * MARGIN + 1, x - 5, y + 1.5 * h + 2 * MARGIN + 1]]) {
      if (segs.some((seg) => segmentBox(seg, box))) cost += 100;
    }
    for (const [k, [ox, oy]] of others) {
      const clear = !isLeaf(nodes.get(k).op) ? R + 6 : 14;
      if (hypot(ox - x, oy - y) < 2 * clear) cost += 1000;
      if (!isLeaf(nodes.get(k).op) && x - nameW - 5 < ox + R && ox - R < x && Math.abs(oy - y) < R + 8) cost += 1000;
    }
    const angles = [];
    for (const cons of consumers.get(nid)) {
      const [cx, cy] = px.get(cons);
      for (const [k, [ox, oy]] of others) {
        if (k !== cons && segmentDistance(ox, oy, x, y, cx, cy) < R + 4) cost += 1000;
      }
      const seg = [x, y, cx, cy];
      cost += 10 * segs.filter((s) => crosses(seg, s)).length;
      cost += hypot(cx - x, cy - y) / CX;
      angles.push(Math.atan2(cy - y, cx - x));
    }
    angles.sort((a, b) => a - b);
    for (let i = 1; i < angles.length; i++) {
      const gap = angles[i] - angles[i - 1];
      if (gap < FORK_ANGLE) cost += 20 * (FORK_ANGLE - gap) / FORK_ANGLE;
    }
    for (const seg of segs) if (segmentDistance(x, y, ...seg) < 12) cost += 1000;
    if (best === null || cost < best[0] - 1e-9) best = [cost, [c, r]];
  }
  return best[1];
}

function positions(g) {
  const out = {};
  for (const [nid, [c, r]] of grid(g)) out[nid] = [c * CX, r * RY];
  return out;
}

// backprop.figures.grid.upright: the same graph drawn top to bottom (column c, row r ->
// column r·across, row c·down); its passes are run.
function upright(g, across = 1.0, down = 1.0) {
  const hints = {};
  for (const [nid, [c, r]] of grid(g)) hints[nid] = [r * across, c * down];
  return withHints(g, hints);
}

// backprop.figures.grid.with_hints: a copy (passes run) with hints[id] = [column, row] on every node.
function withHints(g, hints) {
  const twin = new Graph(g.name, g.title);
  for (const [nid, n] of g.nodes) twin.nodes.set(nid, { ...n, pos: [hints[nid][0], hints[nid][1]] });
  twin.output = g.output; twin.counts = { ...g.counts };
  twin.forward(); twin.backward();
  return twin;
}

function flowsDown(g, pos) {
  let dx = 0.0, dy = 0.0;
  for (const e of g.edges()) {
    if (e.dst !== null) { dx += pos[e.dst][0] - pos[e.src][0]; dy += pos[e.dst][1] - pos[e.src][1]; }
  }
  return dy > dx;
}
