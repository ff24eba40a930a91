// Drawing in the browser: a port of backprop.figures.layout (grid, plan, problems, the phone's
// layout) and backprop.figures.svg.to_svg (part of the widget's browser engine; needs
// numbers.js, engine.js).
//
// For the same graph it writes the same SVG string, character for character, as
// Python does (tests/test_browser_engine.py compares them), so a graph redrawn
// after an edit in the static book looks like the one the book was built with.
// Every step below is the Python function of the same name, in the same order of
// floating-point operations.

// The layout's and the drawing's constants (CX, RY, R, FONT, SMALL, OUT_LEN, LABEL_T, LABEL_GAP,
// LABEL_LIFT, LIFT_COST, LINE_COST, MARGIN, GAP, PARALLEL, FORK_ANGLE, AUTO_ROW, SPREADS, LOCAL_SIDES,
// LOCAL_RINGS, LOCAL_LINE_COST, WIDEN_COST, CHAR_EM, DEFAULT_EM, WIDE_EM, BOLD, WIDE_RANGES,
// NAME_SIDES, D, PHONE_ACROSS, PHONE_DOWN, PROBLEM_UNITS, MIN_TEXT_PX, INK, GRAD, FWD, ACTIVE_FILL,
// HALO, FONT_FAMILY, SHORT_SYMBOL) are written in front of the engine by
// backprop.widgets.bundle.constants_source, from backprop.figures.layout and backprop.figures.svg:
// one source.

function escapeHtml(s) {   // Python's html.escape(s, quote=True)
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

// Not Math.hypot, whose rounding may differ from Python's: see backprop.figures.layout._hypot.
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

// backprop.figures.layout.grid: node id -> [column, row] (a Map in the graph's order).
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

// backprop.figures.layout.upright: the same graph drawn top to bottom (column c, row r ->
// column r·across, row c·down); its passes are run.
function upright(g, across = 1.0, down = 1.0) {
  const hints = {};
  for (const [nid, [c, r]] of grid(g)) hints[nid] = [r * across, c * down];
  return withHints(g, hints);
}

// backprop.figures.layout.with_hints: a copy (passes run) with hints[id] = [column, row] on every node.
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

// ---- lines and labels -------------------------------------------------------------------

class EdgeGeo {
  constructor(edge, x0, y0, x1, y1, ux, uy, nx, ny) {
    Object.assign(this, { edge, x0, y0, x1, y1, ux, uy, nx, ny });
  }
  at(t) { return [this.x0 + t * (this.x1 - this.x0), this.y0 + t * (this.y1 - this.y0)]; }
  valueBox(t, text, lift = 0.0) {
    const [mx, my] = this.at(t);
    const d = LABEL_GAP[0] + lift;
    return textBox(mx + this.nx * d, my + this.ny * d, this.nx, this.ny, text, FONT);
  }
  gradBox(t, text, lift = 0.0) {
    const [mx, my] = this.at(t);
    const d = LABEL_GAP[1] + lift;
    return textBox(mx - this.nx * d, my - this.ny * d, -this.nx, -this.ny, text, FONT, true);
  }
  clipLength(box) {
    const dx = this.x1 - this.x0, dy = this.y1 - this.y0;
    const r = clipRange(this.x0, this.y0, dx, dy, box);
    return r === null ? 0.0 : Math.max(0.0, r[1] - r[0]) * hypot(dx, dy);
  }
}

function above(ux, uy) {
  let nx = uy, ny = -ux;
  if (ny > 1e-9 || (Math.abs(ny) <= 1e-9 && nx > 0)) { nx = -nx; ny = -ny; }
  return [nx, ny];
}

function geometry(g, pos, edges, down) {
  const pairs = new Map();
  for (const e of edges) {
    const k = `${e.src}\u0000${e.dst}`;
    if (!pairs.has(k)) pairs.set(k, []);
    pairs.get(k).push(e);
  }
  return edges.map((e) => {
    const [sx, sy] = pos[e.src];
    const leaf = isLeaf(g.nodes.get(e.src).op);
    let x0, y0, x1, y1;
    if (e.dst === null) {
      const [ox, oy] = down ? [0.0, 1.0] : [1.0, 0.0];
      const start = leaf ? 0.0 : R;
      const length = OUT_LEN * (down ? RY / CX : 1.0);
      [x0, y0, x1, y1] = [sx + ox * start, sy + oy * start, sx + ox * (start + length), sy + oy * (start + length)];
    } else {
      const [tx, ty] = pos[e.dst];
      const d = hypot(tx - sx, ty - sy) || 1.0;
      const ux = (tx - sx) / d, uy = (ty - sy) / d;
      const twins = pairs.get(`${e.src}\u0000${e.dst}`);
      const o = (twins.indexOf(e) - (twins.length - 1) / 2) * PARALLEL;
      const [nx, ny] = above(ux, uy);
      const along = Math.sqrt(Math.max(R * R - o * o, 0.0));
      [x0, y0] = leaf ? [sx + nx * o, sy + ny * o] : [sx + nx * o + ux * along, sy + ny * o + uy * along];
      [x1, y1] = [tx + nx * o - ux * along, ty + ny * o - uy * along];
    }
    const d = hypot(x1 - x0, y1 - y0) || 1.0;
    const ux = (x1 - x0) / d, uy = (y1 - y0) / d;
    const [nx, ny] = above(ux, uy);
    return new EdgeGeo(e, x0, y0, x1, y1, ux, uy, nx, ny);
  });
}

function overlap(a, b, margin = MARGIN) {
  const w = (a[2] < b[2] ? a[2] : b[2]) - (a[0] > b[0] ? a[0] : b[0]) + 2 * margin;
  if (w <= 0) return 0.0;
  const h = (a[3] < b[3] ? a[3] : b[3]) - (a[1] > b[1] ? a[1] : b[1]) + 2 * margin;
  return h > 0 ? w * h : 0.0;
}

function onCircle(box, [x, y], margin = MARGIN) {
  const dx = Math.max(box[0] - x, 0.0, x - box[2]);
  const dy = Math.max(box[1] - y, 0.0, y - box[3]);
  const inside = R + margin - hypot(dx, dy);
  return inside > 0 ? inside * R : 0.0;
}

function leafLabelSide(geos) {
  let ux = 0, uy = 0;
  for (const e of geos) ux += e.ux;
  for (const e of geos) uy += e.uy;
  ux /= geos.length; uy /= geos.length;
  if (ux > 0.3) return [-1.0, 0.0];
  const d = hypot(ux, uy) || 1.0;
  return [-ux / d, -uy / d];
}

function localBox(x, y, [nx, ny, dist], text) {
  return textBox(x + nx * dist, y + ny * dist, nx, ny, text, SMALL, true);
}

function cost(box, taken, circles, spans, lineCost = LINE_COST) {
  let labels = 0, nodes = 0, clip = 0;   // three sums, added up as Python adds them
  for (const o of taken) labels += overlap(box, o);
  for (const o of circles) nodes += onCircle(box, o);
  for (const [e, span] of spans) if (overlap(box, span, 1.0)) clip += e.clipLength(box);
  return labels + nodes + lineCost * clip;
}

function bounds(boxes) {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])) - 3,
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3])) + 3];
}

// backprop.figures.layout.plan (no edge labels, no node names: the widget draws neither).
// Memoized on the graph: the widget draws every step of one graph.
function plan(g) {
  if (g.planMemo) return g.planMemo;
  const full = stateAfter(g, null);
  const base = positions(g);
  const down = flowsDown(g, base);
  let best = null;
  for (const spread of SPREADS) {
    const pos = {};
    for (const [nid, [x, y]] of Object.entries(base)) pos[nid] = [x * (down ? 1.0 : spread), y * spread];
    const candidate = planAt(g, pos, full);
    const trouble = problems(g, candidate, GAP, false).length;
    const size = down ? candidate.box[3] - candidate.box[1] : candidate.box[2] - candidate.box[0];
    const score = size + SPREAD_PROBLEM * trouble;
    if (best === null || score < best[0] - 1e-9) best = [score, candidate];
    if (trouble === 0) break;
  }
  g.planMemo = best[1];
  return best[1];
}

function planAt(g, pos, full) {
  const down = flowsDown(g, pos);
  const geo = geometry(g, pos, g.edges(), down);
  const circles = Object.keys(pos).filter((nid) => !isLeaf(g.nodes.get(nid).op)).map((nid) => pos[nid]);
  const spans = geo.map((e) => [e, [Math.min(e.x0, e.x1), Math.min(e.y0, e.y1), Math.max(e.x0, e.x1), Math.max(e.y0, e.y1)]]);
  const placed = [];
  const taken = [];
  const put = (kind, key, text, box) => { placed.push({ kind, key, text, box }); taken.push(box); };
  const bySrc = new Map();
  for (const e of geo) {
    if (!bySrc.has(e.edge.src)) bySrc.set(e.edge.src, []);
    bySrc.get(e.edge.src).push(e);
  }
  for (const nid of g.order()) {
    const node = g.nodes.get(nid);
    const outs = (bySrc.get(nid) || []).filter((e) => e.edge.dst !== null);
    if (node.op === "const") {
      for (const e of outs) {
        const text = formatValue(node.const);
        put("const", e.edge.id, text, textBox(e.x0 - e.ux * 5, e.y0 - e.uy * 5, -e.ux, -e.uy, text, FONT));
      }
    } else if (node.op === "input" && outs.length) {
      const [x, y] = pos[nid];
      let best = null;
      for (const [lx, ly] of [leafLabelSide(outs), ...NAME_SIDES]) {
        const box = textBox(x + lx * 5, y + ly * 5, lx, ly, node.label, FONT);
        const c = cost(box, taken, circles, spans);
        if (best === null || c < best[0] - 1e-9) best = [c, box];
        if (c < 1) break;
      }
      put("input", nid, node.label, best[1]);
    }
  }
  const outGeo = geo.find((e) => e.edge.dst === null);
  const outNode = g.nodes.get(g.output);
  if (outNode.label) {
    const [ox, oy] = down ? [0.0, 1.0] : [1.0, 0.0];
    put("output", g.output, outNode.label, textBox(outGeo.x1 + ox * 5, outGeo.y1 + oy * 5, ox, oy, outNode.label, FONT));
  }
  for (const nid of g.inputsOf()) {
    const outs = bySrc.get(nid) || [];
    if (outs.length < 2 || !(nid in full.totals)) continue;
    const text = formatSum(outs.map((e) => full.grads[e.edge.id]), full.totals[nid]);
    const name = placed.find((lab) => lab.kind === "input" && lab.key === nid).box;
    const w = textWidth(text, FONT, true), h = 0.75 * FONT;
    const cx = (name[0] + name[2]) / 2;
    const gap = 2 * MARGIN + 1;
    const spots = [[name[2] - w, name[3] + gap], [name[2] - w, name[1] - gap - h], [cx - w / 2, name[3] + gap],
      [cx - w / 2, name[1] - gap - h], [name[0] - gap - w, name[1]],
      [name[2] - w, name[3] + 2 * gap + h], [name[2] - w, name[1] - 2 * (gap + h)]];
    let best = null;
    for (const [x0, y0] of spots) {
      const box = [x0, y0, x0 + w, y0 + h];
      const c = cost(box, taken, circles, spans);
      if (best === null || c < best[0] - 1e-9) best = [c, box];
    }
    put("sum", nid, text, best[1]);
  }
  const fixed = taken.slice();
  const len = (e) => Math.floor(hypot(e.x1 - e.x0, e.y1 - e.y0) * 1000);   // whole thousandths: no rounding ties
  const todo = geo.slice().sort((a, b) => len(a) - len(b) || (a.edge.id < b.edge.id ? -1 : a.edge.id > b.edge.id ? 1 : 0))
    .filter((e) => g.nodes.get(e.edge.src).op !== "const");
  const texts = {};
  for (const e of todo) texts[e.edge.id] = [formatValue(full.values[e.edge.id]), formatValue(full.grads[e.edge.id])];
  const chosen = new Map();
  const bestSpot = (e, against) => {
    const [v, d] = texts[e.edge.id];
    const reach = Math.max(textWidth(v, FONT), textWidth(d, FONT, true)) + FONT;
    const region = [Math.min(e.x0, e.x1) - reach, Math.min(e.y0, e.y1) - reach,
      Math.max(e.x0, e.x1) + reach, Math.max(e.y0, e.y1) + reach];
    const near = against.filter((o) => overlap(o, region, 0.0));
    const nearCircles = circles.filter((c) => region[0] - R <= c[0] && c[0] <= region[2] + R
      && region[1] - R <= c[1] && c[1] <= region[3] + R);
    const lines = spans.filter(([other, ob]) => other !== e && overlap(ob, region, 1.0));
    let best = null;
    for (const lift of LABEL_LIFT) {
      for (const t of LABEL_T) {
        const pair = [e.valueBox(t, v, lift), e.gradBox(t, d, lift)];
        let c = 0;
        for (const b of pair) c += cost(b, near, nearCircles, lines);
        c += Math.abs(t - 0.5) + LIFT_COST * lift;
        if (best === null || c < best[0] - 1e-9) best = [c, t, pair];
        if (c < 1) break;
      }
      if (best[0] < 1) break;
    }
    return best;
  };
  for (const e of todo) chosen.set(e.edge.id, bestSpot(e, fixed.concat([...chosen.values()].flatMap((c) => c[2]))));
  for (const e of todo) {
    if (chosen.get(e.edge.id)[0] >= 1) {
      const others = fixed.concat([...chosen].filter(([eid]) => eid !== e.edge.id).flatMap(([, c]) => c[2]));
      chosen.set(e.edge.id, bestSpot(e, others));
    }
  }
  for (const e of todo) {
    const [, , [vbox, gbox]] = chosen.get(e.edge.id);
    const [v, d] = texts[e.edge.id];
    put("value", e.edge.id, v, vbox);
    put("grad", e.edge.id, d, gbox);
  }
  const localSide = {};
  const circleBoxes = circles.map(([x, y]) => [x - R, y - R, x + R, y + R]);
  const spanBoxes = spans.map(([, s]) => s);
  const around = bounds(placed.map((lab) => lab.box).concat(circleBoxes, spanBoxes));
  for (const [nid, text] of Object.entries(full.localText)) {
    const [x, y] = pos[nid];
    const reach = LOCAL_RINGS[LOCAL_RINGS.length - 1] + textWidth(text, SMALL, true) + 2 * MARGIN;
    const region = [x - reach, y - reach, x + reach, y + reach];
    const near = taken.filter((o) => overlap(o, region, 0.0));
    const others = circles.filter((c) => !(c[0] === x && c[1] === y) && onCircle(region, c, 0.0));
    const lines = spans.filter(([, span]) => overlap(span, region, 1.0));
    let best = null;
    for (const dist of LOCAL_RINGS) {
      for (const [nx, ny] of LOCAL_SIDES) {
        const side = [nx, ny, dist];
        const b = localBox(x, y, side, text);
        let c = cost(b, near, others, lines, LOCAL_LINE_COST);
        if (down) c += WIDEN_COST * (Math.max(0.0, around[0] - b[0]) + Math.max(0.0, b[2] - around[2]));
        if (best === null || c < best[0] - 1e-9) best = [c, side, b];
        if (c < 1) break;
      }
      if (best[0] < 1) break;
    }
    localSide[nid] = best[1];
    placed.push({ kind: "local", key: nid, text, box: best[2] });
  }
  const shapes = circleBoxes.concat(spanBoxes);
  const box = bounds(placed.map((lab) => lab.box).concat(shapes));
  const still = bounds(placed.filter((lab) => lab.kind !== "local").map((lab) => lab.box).concat(shapes));
  const index = new Map(placed.map((lab) => [`${lab.kind}|${lab.key}`, lab]));
  return { pos, geo, full, localSide, box, labels: placed, down, stillBox: still,
    label: (kind, key) => index.get(`${kind}|${key}`) || null };
}

// backprop.figures.layout.problems: every place where the figure is hard to read.
function problems(g, p, gap = GAP, local = true) {
  const out = [];
  const circles = Object.keys(p.pos).filter((nid) => !isLeaf(g.nodes.get(nid).op)).map((nid) => [nid, p.pos[nid]]);
  const fixed = p.labels.filter((lab) => lab.kind !== "local");
  (local ? p.labels : fixed).forEach((a, i) => {
    for (const b of (a.kind !== "local" ? fixed.slice(0, i) : fixed)) {
      if (overlap(a.box, b.box, gap / 2)) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} touches ${b.kind} ${pyStrRepr(b.text)} of ${b.key}`);
    }
    for (const [nid, c] of circles) {
      if (a.kind === "local" && a.key === nid) continue;
      if (onCircle(a.box, c, gap)) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} touches node ${nid}`);
    }
    const inner = [a.box[0] + 0.5, a.box[1] + 0.5, a.box[2] - 0.5, a.box[3] - 0.5];
    for (const e of p.geo) if (e.clipLength(inner) > 0) out.push(`${a.kind} ${pyStrRepr(a.text)} of ${a.key} lies under edge ${e.edge.id}`);
  });
  for (const e of p.geo) {
    for (const [nid, [x, y]] of circles) {
      if (nid === e.edge.src || nid === e.edge.dst) continue;
      if (segmentDistance(x, y, e.x0, e.y0, e.x1, e.y1) < R + gap) out.push(`edge ${e.edge.id} runs through node ${nid}`);
    }
  }
  return out;
}

// backprop.figures.layout.phone_layout and phone_graph: the graph top to bottom for a narrow screen.
function phoneLayout(g, maxWidth) {
  let best = null;
  const full = stateAfter(g, null);
  for (const down of PHONE_DOWN) {
    for (const across of PHONE_ACROSS) {
      const twin = upright(g, across, down);
      const p = planAt(twin, positions(twin), full);
      const width = p.box[2] - p.box[0];
      const trouble = problems(twin, p).length;
      if (width <= maxWidth && trouble === 0) return [across, down];
      const score = trouble * PROBLEM_UNITS + Math.max(0.0, width - maxWidth);
      if (best === null || score < best[0] - 1e-9) best = [score, [across, down]];
    }
  }
  return best[1];
}

function phoneGraph(g, maxWidth) {
  const twin = upright(g, ...phoneLayout(g, maxWidth));
  const hints = {};
  for (const [nid, [x, y]] of Object.entries(plan(twin).pos)) hints[nid] = [x / CX, y / RY];
  return withHints(twin, hints);
}

// ---- the drawing ------------------------------------------------------------------------

function svgText(x, y, s, size, fill = INK, extra = "") {
  return `<text x="${pyFixed(x, 1)}" y="${pyFixed(y + 0.36 * size, 1)}" font-size="${pyG(size, 6)}" fill="${fill}" `
    + `text-anchor="middle" ${HALO}${extra}>${escapeHtml(s)}</text>`;
}

function svgLabel(box, s, size, fill = INK, extra = "") {
  return svgText((box[0] + box[2]) / 2, (box[1] + box[3] - descent(s, size)) / 2, s, size, fill, extra);
}

// backprop.figures.svg.describe: the visible state in words (the SVG's <desc>).
function describe(g, st) {
  const edges = g.edges();
  const outs = g.inputsOf().map((n) => [n, edges.filter((e) => e.src === n)]);
  const parts = [];
  const shown = outs.filter(([, es]) => es.length && es[0].id in st.values)
    .map(([n, es]) => msg("value.named", { name: g.nodes.get(n).label, value: formatValue(st.values[es[0].id]) }));
  if (shown.length) parts.push(msg("describe.inputs", { values: msgJoin(shown) }));
  const outEdge = edgeId(g.output, null, 0);
  const outName = g.nodes.get(g.output).label || msg("output.name");
  if (outEdge in st.values) parts.push(msg("describe.output", { name: outName, value: formatValue(st.values[outEdge]) }));
  const grads = outs.filter(([, es]) => es.length && es.every((e) => e.id in st.grads))
    .map(([n, es]) => msg("describe.gradient", { name: g.nodes.get(n).label, value: formatValue(sum(es.map((e) => st.grads[e.id]))) }));
  if (grads.length) parts.push(msg("describe.gradients", { name: outName, gradients: msgJoin(grads) }));
  if (st.caption && (st.activeNode !== null || st.activeEdges.length)) parts.push(msg("describe.step", { caption: st.caption }));
  const nOps = [...g.nodes.values()].filter((n) => !isLeaf(n.op)).length;
  return msg("describe.graph", { count: nOps, details: parts.join(" ") });
}

// backprop.figures.svg.to_svg(graph, k): k null draws the static figure (everything, nothing highlighted).
function toSvg(g, k, minTextPx = MIN_TEXT_PX) {
  const p = plan(g);
  const st = k === null || k === undefined
    ? { values: p.full.values, grads: p.full.grads, activeNode: null, activeEdges: [], localText: {}, caption: "", totals: p.full.totals }
    : stateAfter(g, k);
  const accent = Object.keys(st.grads).length ? GRAD : FWD;
  const active = new Set(st.activeEdges);
  const parts = [];
  const named = new Set();
  const f1 = (x) => pyFixed(x, 1);
  for (const e of p.geo) {
    const edge = e.edge;
    const on = active.has(edge.id);
    const [color, width] = on ? [accent, 3] : [INK, 1.6];
    const mark = on ? ' class="bp-active"' : "";
    const ax = e.x1 - e.ux * 9, ay = e.y1 - e.uy * 9, bx = -e.uy * 4.5, by = e.ux * 4.5;
    parts.push(`<line x1="${f1(e.x0)}" y1="${f1(e.y0)}" x2="${f1(ax)}" y2="${f1(ay)}" stroke="${color}" `
      + `stroke-width="${width}"${mark}/><path d="M${f1(e.x1)},${f1(e.y1)}L${f1(ax + bx)},${f1(ay + by)}`
      + `L${f1(ax - bx)},${f1(ay - by)}Z" fill="${color}"/>`);
    const src = g.nodes.get(edge.src);
    if (src.op === "const") {
      const lab = p.label("const", edge.id);
      parts.push(svgLabel(lab.box, lab.text, FONT));
      continue;
    }
    if (src.op === "input" && !named.has(edge.src) && p.label("input", edge.src)) {
      named.add(edge.src);
      const lab = p.label("input", edge.src);
      parts.push(svgLabel(lab.box, lab.text, FONT, INK, ' font-style="italic"'));
    }
    if (edge.dst === null && p.label("output", edge.src)) {
      const lab = p.label("output", edge.src);
      parts.push(svgLabel(lab.box, lab.text, FONT, INK, ' font-style="italic"'));
    }
    if (edge.id in st.values) parts.push(svgLabel(p.label("value", edge.id).box, formatValue(st.values[edge.id]), FONT));
    if (edge.id in st.grads) {
      parts.push(svgLabel(p.label("grad", edge.id).box, formatValue(st.grads[edge.id]), FONT, GRAD, ' font-weight="600"'));
    }
  }
  for (const nid of g.order()) {
    const node = g.nodes.get(nid);
    if (isLeaf(node.op)) continue;
    const [x, y] = p.pos[nid];
    const on = nid === st.activeNode;
    const [fill, stroke, width] = on ? [ACTIVE_FILL, accent, 3] : ["#fff", INK, 1.6];
    const mark = on ? ' class="bp-active"' : "";
    const sym = SHORT_SYMBOL[node.op] || symbolOf(node);
    const size = Math.min(FONT + 2, 1.55 * R / (0.58 * Math.max(1, [...sym].length)));
    parts.push(`<circle cx="${f1(x)}" cy="${f1(y)}" r="${pyG(R, 6)}" fill="${fill}" stroke="${stroke}" `
      + `stroke-width="${width}"${mark}/><text x="${f1(x)}" y="${f1(y + 0.36 * size)}" `
      + `font-size="${f1(size)}" text-anchor="middle" fill="${INK}">${escapeHtml(sym)}</text>`);
    if (on && nid in st.localText) {
      const text = st.localText[nid];
      parts.push(svgLabel(localBox(x, y, p.localSide[nid] || [0.0, -1.0, R + 6], text), text, SMALL, GRAD, ' font-style="italic" font-weight="600"'));
    }
  }
  for (const [nid, total] of Object.entries(st.totals)) {
    const lab = p.label("sum", nid);
    if (lab === null) continue;
    const terms = p.geo.filter((e) => e.edge.src === nid).map((e) => (e.edge.id in st.grads ? st.grads[e.edge.id] : p.full.grads[e.edge.id]));
    parts.push(svgLabel(lab.box, formatSum(terms, total), FONT, GRAD, ' font-weight="600"'));
  }
  const frame = (k !== null && k !== undefined) || Object.keys(st.localText).length ? p.box : p.stillBox;
  const x0 = frame[0] - PAD, y0 = frame[1] - PAD;
  const w = frame[2] - frame[0] + 2 * PAD, h = frame[3] - frame[1] + 2 * PAD;
  const name = g.title || g.name;
  const text = describe(g, st);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${f1(x0)} ${f1(y0)} ${f1(w)} ${f1(h)}" `
    + `width="100%" role="img" aria-label="${escapeHtml(name)}" class="bp-graph" `
    + `style="display:block;margin:0 auto;max-width:${pyFixed(1.15 * w, 0)}px;`
    + `min-width:${pyFixed(w * minTextPx / SMALL, 0)}px;height:auto" font-family="${FONT_FAMILY}">`
    + `<title>${escapeHtml(name)}</title><desc>${escapeHtml(text)}</desc>`
    + parts.join("") + "</svg>";
}

// backprop.widgets.gradient_flow.frames_of: one {k, kind, svg, caption} per replay state.
// (minTextPx: the phone's drawing may shrink its text further, as figure()'s does.)
function framesOf(g, minTextPx = MIN_TEXT_PX) {
  const steps = g.steps();
  const frames = [{ k: 0, kind: "start", svg: toSvg(g, 0, minTextPx), caption: stateAfter(g, 0).caption }];
  for (const s of steps) frames.push({ k: s.index + 1, kind: s.kind, svg: toSvg(g, s.index + 1, minTextPx), caption: s.caption });
  return frames;
}
