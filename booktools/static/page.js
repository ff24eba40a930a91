// Scroll cues (booktools/page_assets.py): a box whose content is wider than the box
// scrolls sideways, and says so. Each such box gets data-bp-overflow="left", "right" or
// "left right" (where there is more to see), which page.css draws as a fading edge
// and an arrow; the attribute follows the reader's scrolling and the window's width.
(function () {
  "use strict";
  const BOXES = [
    "article div.math > mjx-container",           // a displayed equation
    "article .pst-scrollable-table-container",     // a table of the text
    "article .cell_output .output",                // a cell's output: a table, a plot
    "article .bp-plot-scroll",                     // a plot wider than a phone (plot_style.py)
    "article div.highlight > pre",                 // code
  ].join(",");

  function mark(box) {
    const more = [];
    if (box.scrollWidth > box.clientWidth + 1) {
      if (box.scrollLeft > 1) more.push("left");
      if (box.scrollLeft + box.clientWidth < box.scrollWidth - 1) more.push("right");
    }
    if (more.length) box.setAttribute("data-bp-overflow", more.join(" "));
    else box.removeAttribute("data-bp-overflow");
  }

  const watched = new WeakSet();
  function markAll() {
    for (const box of document.querySelectorAll(BOXES)) {
      if (box.closest(".bp-flow, .bp-playground")) continue;   // the widgets lay themselves out
      if (!watched.has(box)) {
        watched.add(box);
        box.addEventListener("scroll", () => mark(box), { passive: true });
      }
      mark(box);
    }
  }

  let pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; markAll(); });
  }
  window.bpMarkScrollBoxes = markAll;   // for tests and for content drawn later
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markAll);
  else markAll();
  window.addEventListener("load", soon);
  window.addEventListener("resize", soon);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(soon);
})();
