// Drawing in the browser: a port of backprop.figures.layout.plan and backprop.figures.svg.to_svg
// (part of the widget's browser engine; needs numbers.js, engine.js).
//
// For the same graph it writes the same SVG string, character for character, as
// Python does (tests/test_browser_engine.py compares them), so a graph redrawn
// after an edit in the static book looks like the one the book was built with.

// The layout's and the drawing's constants (CX, RY, R, FONT, SMALL, OUT_LEN, LABEL_T,
// LINE_COST, LOCAL_SIDES, LOCAL_RINGS, LOCAL_LINE_COST, MIN_TEXT_PX, INK, GRAD, FWD, ACTIVE_FILL, HALO, FONT_FAMILY,
// SHORT_SYMBOL) are written in front of the engine by backprop.widgets.bundle.constants_source,
// from backprop.figures.layout and backprop.figures.svg: one source.

function escapeHtml(s) {   // Python's html.escape(s, quote=True)
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

function textWidth(text, size) { return 0.58 * size * [...text].length; }

function textBox(px, py, nx, ny, text, size) {
  const w = textWidth(text, size), h = 0.75 * size;
  const reach = Math.abs(nx) * w / 2 + Math.abs(ny) * h / 2;
  const cx = px + nx * reach, cy = py + ny * reach;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

function positions(g) {
  const order = g.order();
  const nodes = g.nodes;
  const out = {};
  if ([...nodes.values()].every((n) => n.pos !== null && n.pos !== undefined)) {
    for (const nid of order) out[nid] = [nodes.get(nid).pos[0] * CX, nodes.get(nid).pos[1] * RY];
    return out;
  }
  const col = {};
  for (const nid of order) {
    const ins = nodes.get(nid).inputs;
    col[nid] = ins.length ? 1 + Math.max(...ins.map((s) => col[s])) : 0;
  }
  for (const nid of order) {
    if (isLeaf(nodes.get(nid).op)) {
      const users = order.filter((m) => nodes.get(m).inputs.includes(nid)).map((m) => col[m]);
      col[nid] = users.length ? Math.min(...users) - 1 : 0;
    }
  }
  const columns = new Map();
  for (const nid of order) {
    if (!columns.has(col[nid])) columns.set(col[nid], []);
    columns.get(col[nid]).push(nid);
  }
  const tallest = Math.max(...[...columns.values()].map((v) => v.length));
  for (const [c, ids] of columns) ids.forEach((nid, i) => { out[nid] = [c * CX, (i + (tallest - ids.length) / 2) * RY]; });
  return out;
}

class EdgeGeo {
  constructor(edge, x0, y0, x1, y1, ux, uy, nx, ny) {
    Object.assign(this, { edge, x0, y0, x1, y1, ux, uy, nx, ny });
  }
  at(t) { return [this.x0 + t * (this.x1 - this.x0), this.y0 + t * (this.y1 - this.y0)]; }
  valueBox(t, text) {
    const [mx, my] = this.at(t);
    return textBox(mx + this.nx * 4, my + this.ny * 4, this.nx, this.ny, text, FONT);
  }
  gradBox(t, text) {
    const [mx, my] = this.at(t);
    return textBox(mx - this.nx * 5, my - this.ny * 5, -this.nx, -this.ny, text, FONT);
  }
  clipLength(box) {   // Liang-Barsky
    const dx = this.x1 - this.x0, dy = this.y1 - this.y0;
    let lo = 0.0, hi = 1.0;
    for (const [p, q] of [[-dx, this.x0 - box[0]], [dx, box[2] - this.x0], [-dy, this.y0 - box[1]], [dy, box[3] - this.y0]]) {
      if (p === 0) { if (q < 0) return 0.0; }
      else if (p < 0) lo = Math.max(lo, q / p);
      else hi = Math.min(hi, q / p);
    }
    return Math.max(0.0, hi - lo) * Math.hypot(dx, dy);
  }
}

function geometry(g, pos, edges) {
  return edges.map((e) => {
    const [sx, sy] = pos[e.src];
    const leaf = isLeaf(g.nodes.get(e.src).op);
    let x0, y0, x1, y1;
    if (e.dst === null) {
      [x0, y0, x1, y1] = [leaf ? sx : sx + R, sy, sx + OUT_LEN, sy];
    } else {
      const [tx, ty] = pos[e.dst];
      const d = Math.hypot(tx - sx, ty - sy) || 1.0;
      const ux = (tx - sx) / d, uy = (ty - sy) / d;
      [x0, y0] = leaf ? [sx, sy] : [sx + ux * R, sy + uy * R];
      [x1, y1] = [tx - ux * R, ty - uy * R];
    }
    const d = Math.hypot(x1 - x0, y1 - y0) || 1.0;
    const ux = (x1 - x0) / d, uy = (y1 - y0) / d;
    let nx = uy, ny = -ux;
    if (ny > 1e-9 || (Math.abs(ny) <= 1e-9 && nx > 0)) { nx = -nx; ny = -ny; }
    return new EdgeGeo(e, x0, y0, x1, y1, ux, uy, nx, ny);
  });
}

function overlap(a, b, margin = 3.0) {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 2 * margin;
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 2 * margin;
  return w > 0 && h > 0 ? w * h : 0.0;
}

function localBox(x, y, [nx, ny, dist], text) {
  return textBox(x + nx * dist, y + ny * dist, nx, ny, text, SMALL);
}

function leafLabelSide(geo) { return geo.ux > 0.3 ? [-1.0, 0.0] : [-geo.ux, -geo.uy]; }

// backprop.figures.layout.plan: where every node, edge and label goes (independent of the step shown).
function plan(g) {
  const full = stateAfter(g, null);
  const pos = positions(g);
  const geo = geometry(g, pos, g.edges());
  const taken = [];
  for (const [nid, [x, y]] of Object.entries(pos)) {
    if (!isLeaf(g.nodes.get(nid).op)) taken.push([x - R, y - R, x + R, y + R]);
  }
  for (const e of geo) {
    const src = g.nodes.get(e.edge.src);
    if (isLeaf(src.op)) {
      const text = src.op === "const" ? formatValue(src.const) : src.label;
      const [lx, ly] = src.op === "const" ? [-e.ux, -e.uy] : leafLabelSide(e);
      taken.push(textBox(e.x0 + lx * 5, e.y0 + ly * 5, lx, ly, text, FONT));
    }
    if (e.edge.dst === null && src.label) taken.push(textBox(e.x1 + 5, e.y1, 1.0, 0.0, src.label, FONT));
  }
  const boxes = taken.slice();
  const labelT = {};
  const spans = geo.map((e) => [e, [Math.min(e.x0, e.x1), Math.min(e.y0, e.y1), Math.max(e.x0, e.x1), Math.max(e.y0, e.y1)]]);
  const len = (e) => Math.hypot(e.x1 - e.x0, e.y1 - e.y0);
  const sorted = geo.slice().sort((a, b) => len(a) - len(b) || (a.edge.id < b.edge.id ? -1 : a.edge.id > b.edge.id ? 1 : 0));
  for (const e of sorted) {
    if (g.nodes.get(e.edge.src).op === "const") continue;
    const v = formatValue(full.values[e.edge.id]);
    const d = formatValue(full.grads[e.edge.id]);
    const reach = textWidth([...d].length > [...v].length ? d : v, FONT) + FONT;
    const region = [Math.min(e.x0, e.x1) - reach, Math.min(e.y0, e.y1) - reach,
      Math.max(e.x0, e.x1) + reach, Math.max(e.y0, e.y1) + reach];
    const near = taken.filter((o) => overlap(o, region, 0.0));
    const lines = spans.filter(([other, ob]) => other !== e && overlap(ob, region, 1.0));
    let best = null;
    for (const t of LABEL_T) {
      const pair = [e.valueBox(t, v), e.gradBox(t, d)];
      let cost = 0;
      for (const b of pair) for (const o of near) cost += overlap(b, o);
      let clip = 0;
      for (const b of pair) for (const [other, ob] of lines) if (overlap(b, ob, 1.0)) clip += other.clipLength(b);
      cost += LINE_COST * clip;
      cost += Math.abs(t - 0.5);
      if (best === null || cost < best[0]) best = [cost, t, pair];
      if (cost < 1) break;
    }
    labelT[e.edge.id] = best[1];
    taken.push(...best[2]);
    boxes.push(...best[2]);
  }
  const localSide = {};
  for (const nid of Object.keys(full.localText)) {   // one shows at a time: avoid edges and labels only
    const [x, y] = pos[nid];
    let best = null;
    for (const side of LOCAL_RINGS.flatMap((dist) => LOCAL_SIDES.map(([nx, ny]) => [nx, ny, dist]))) {
      const b = localBox(x, y, side, full.localText[nid]);
      let cost = 0;
      for (const o of taken) cost += overlap(b, o);
      let clip = 0;
      for (const [e, ob] of spans) if (overlap(b, ob, 1.0)) clip += e.clipLength(b);
      cost += LOCAL_LINE_COST * clip;
      if (best === null || cost < best[0]) best = [cost, side, b];
      if (cost < 1) break;
    }
    localSide[nid] = best[1];
    boxes.push(best[2]);
  }
  for (const [, span] of spans) boxes.push(span);
  const box = [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])) - 3,
    Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3])) + 3];
  return { pos, geo, labelT, full, localSide, box };
}

function svgText(x, y, s, size, fill = INK, extra = "") {
  return `<text x="${pyFixed(x, 1)}" y="${pyFixed(y + 0.36 * size, 1)}" font-size="${pyG(size, 6)}" fill="${fill}" `
    + `text-anchor="middle" ${HALO}${extra}>${escapeHtml(s)}</text>`;
}

function svgLabel(box, s, size, fill = INK, extra = "") {
  return svgText((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, s, size, fill, extra);
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
function toSvg(g, k) {
  const p = plan(g);
  const st = k === null || k === undefined
    ? { values: p.full.values, grads: p.full.grads, activeNode: null, activeEdges: [], localText: {}, caption: "" }
    : stateAfter(g, k);
  const accent = Object.keys(st.grads).length ? GRAD : FWD;
  const active = new Set(st.activeEdges);
  const parts = [];
  const f1 = (x) => pyFixed(x, 1);
  for (const e of p.geo) {
    const edge = e.edge;
    const [color, width] = active.has(edge.id) ? [accent, 3] : [INK, 1.6];
    const ax = e.x1 - e.ux * 9, ay = e.y1 - e.uy * 9, bx = -e.uy * 4.5, by = e.ux * 4.5;
    parts.push(`<line x1="${f1(e.x0)}" y1="${f1(e.y0)}" x2="${f1(ax)}" y2="${f1(ay)}" stroke="${color}" `
      + `stroke-width="${width}"/><path d="M${f1(e.x1)},${f1(e.y1)}L${f1(ax + bx)},${f1(ay + by)}`
      + `L${f1(ax - bx)},${f1(ay - by)}Z" fill="${color}"/>`);
    const src = g.nodes.get(edge.src);
    if (src.op === "const") {
      const text = formatValue(src.const);
      parts.push(svgLabel(textBox(e.x0 - e.ux * 5, e.y0 - e.uy * 5, -e.ux, -e.uy, text, FONT), text, FONT));
      continue;
    }
    if (src.op === "input") {
      const [lx, ly] = leafLabelSide(e);
      parts.push(svgLabel(textBox(e.x0 + lx * 5, e.y0 + ly * 5, lx, ly, src.label, FONT), src.label, FONT, INK, ' font-style="italic"'));
    }
    if (edge.dst === null && src.label) {
      parts.push(svgLabel(textBox(e.x1 + 5, e.y1, 1.0, 0.0, src.label, FONT), src.label, FONT, INK, ' font-style="italic"'));
    }
    const t = p.labelT[edge.id];
    if (edge.id in st.values) {
      const text = formatValue(st.values[edge.id]);
      parts.push(svgLabel(e.valueBox(t, text), text, FONT));
    }
    if (edge.id in st.grads) {
      const text = formatValue(st.grads[edge.id]);
      parts.push(svgLabel(e.gradBox(t, text), text, FONT, GRAD, ' font-weight="600"'));
    }
  }
  for (const nid of g.order()) {
    const node = g.nodes.get(nid);
    if (isLeaf(node.op)) continue;
    const [x, y] = p.pos[nid];
    const on = nid === st.activeNode;
    const [fill, stroke, width] = on ? [ACTIVE_FILL, accent, 3] : ["#fff", INK, 1.6];
    const sym = SHORT_SYMBOL[node.op] || symbolOf(node);
    const size = Math.min(FONT + 2, 1.55 * R / (0.58 * Math.max(1, [...sym].length)));
    parts.push(`<circle cx="${f1(x)}" cy="${f1(y)}" r="${pyG(R, 6)}" fill="${fill}" stroke="${stroke}" `
      + `stroke-width="${width}"/><text x="${f1(x)}" y="${f1(y + 0.36 * size)}" `
      + `font-size="${f1(size)}" text-anchor="middle" fill="${INK}">${escapeHtml(sym)}</text>`);
    if (on && nid in st.localText) {
      const text = st.localText[nid];
      parts.push(svgLabel(localBox(x, y, p.localSide[nid] || [0.0, -1.0, R + 6], text), text, SMALL, GRAD, ' font-style="italic" font-weight="600"'));
    }
  }
  const pad = 6.0;
  const x0 = p.box[0] - pad, y0 = p.box[1] - pad;
  const w = p.box[2] - p.box[0] + 2 * pad, h = p.box[3] - p.box[1] + 2 * pad;
  const name = g.title || g.name;
  const text = describe(g, st);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${f1(x0)} ${f1(y0)} ${f1(w)} ${f1(h)}" `
    + `width="100%" role="img" aria-label="${escapeHtml(name)}" class="bp-graph" `
    + `style="display:block;margin:0 auto;max-width:${pyFixed(1.15 * w, 0)}px;`
    + `min-width:${pyFixed(w * MIN_TEXT_PX / SMALL, 0)}px;height:auto" font-family="${FONT_FAMILY}">`
    + `<title>${escapeHtml(name)}</title><desc>${escapeHtml(text)}</desc>`
    + parts.join("") + "</svg>";
}

// backprop.widgets.gradient_flow.frames_of: one {k, kind, svg, caption} per replay state.
function framesOf(g) {
  const steps = g.steps();
  const frames = [{ k: 0, kind: "start", svg: toSvg(g, 0), caption: stateAfter(g, 0).caption }];
  for (const s of steps) frames.push({ k: s.index + 1, kind: s.kind, svg: toSvg(g, s.index + 1), caption: s.caption });
  return frames;
}
