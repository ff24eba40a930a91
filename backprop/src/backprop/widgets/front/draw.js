// Drawing in the browser: a port of backprop.figures.svg.to_svg (part of the widget's browser
// engine; needs layout.js).
//
// For the same graph it writes the same SVG string, character for character, as
// Python does (tests/test_browser_engine.py compares them), so a graph redrawn
// after an edit in the static book looks like the one the book was built with.
// MIN_TEXT_PX, INK, GRAD, FWD, ACTIVE_FILL, HALO, FONT_FAMILY, SHORT_SYMBOL and PAD come from
// backprop.figures.svg through backprop.widgets.bundle.constants_source.

function escapeHtml(s) {   // Python's html.escape(s, quote=True)
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}


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
    // Long symbols shrink to fit the circle, but not below the drawing's smallest text
    // (backprop.figures.svg.to_svg).
    const size = Math.max(SMALL, Math.min(FONT + 2, 1.55 * R / (0.58 * Math.max(1, [...sym].length))));
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
