// The book's widget host: draws the anywidget widgets saved in a page, with no kernel.
//
// MyST-NB writes a page's widget state (a <script type="application/vnd.jupyter.widget-state+json">)
// and, where each widget was displayed, a view (<script type="application/vnd.jupyter.widget-view+json">
// naming its model). The book's widgets are anywidget widgets: their whole front-end is the
// ES module in the model's `_esm`, written against anywidget's small model interface
// (get, set, on, off, save_changes, send). This host gives them that interface over the
// saved state, so a page needs neither Jupyter's widget manager (3.6 MB) nor require.js.
// It also draws ipywidgets' HTML widget (its `value` is HTML), which the book shows
// where a graph cannot be drawn (backprop.widgets.gradient_flow.error_widget).
// booktools/widget_host.py fails the build if a page holds any other kind of widget.
(function () {
  "use strict";
  const STATE = "application/vnd.jupyter.widget-state+json";
  const VIEW = "application/vnd.jupyter.widget-view+json";

  function makeModel(id, state, models) {
    const listeners = new Map();   // event name -> Set of callbacks
    const emit = (name, ...args) => (listeners.get(name) || []).forEach((cb) => cb(...args));
    const model = {
      get: (name) => state[name],
      set(name, value) {
        if (state[name] === value) return;
        state[name] = value;
        emit(`change:${name}`, model, value);
        emit("change", model);
      },
      on(name, callback) {
        for (const one of name.split(/\s+/)) {
          if (!listeners.has(one)) listeners.set(one, new Set());
          listeners.get(one).add(callback);
        }
      },
      off(name, callback) {
        if (!name) { listeners.clear(); return; }
        for (const one of name.split(/\s+/)) {
          if (callback) (listeners.get(one) || new Set()).delete(callback);
          else listeners.delete(one);
        }
      },
      save_changes() {},   // no kernel to send the change to
      send() {},
      widget_manager: { get_model: async (other) => models.get(other) },
    };
    model.model_id = id;
    return model;
  }

  const modules = new Map();   // _esm source -> its module (one import per distinct widget code)
  function loadModule(esm) {
    if (!modules.has(esm)) {
      const url = /^(https?:|\.|\/)/.test(esm) ? esm : URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
      modules.set(esm, import(url));
    }
    return modules.get(esm);
  }

  const styles = new Set();
  function addStyle(css) {
    if (!css || styles.has(css)) return;
    styles.add(css);
    const style = document.createElement("style");
    style.textContent = css;
    document.head.append(style);
  }

  function showHTML(view, model) {
    const el = document.createElement("div");
    el.className = "bp-widget widget-html";
    el.innerHTML = model.get("value") || "";
    view.parentNode.insertBefore(el, view);
  }

  async function show(view, model) {
    const module = await loadModule(model.get("_esm"));
    const widget = typeof module.default === "function" ? await module.default() : (module.default || module);
    addStyle(model.get("_css"));
    const el = document.createElement("div");
    el.className = "bp-widget";
    view.parentNode.insertBefore(el, view);
    if (widget.initialize && !model._initialized) {
      model._initialized = true;
      await widget.initialize({ model });
    }
    await widget.render({ model, el });
  }

  async function start() {
    const saved = document.querySelector(`script[type="${STATE}"]`);
    if (!saved) return;
    const state = JSON.parse(saved.textContent).state || {};
    const models = new Map();
    for (const [id, entry] of Object.entries(state)) models.set(id, makeModel(id, entry.state || {}, models));
    const shows = [];
    for (const view of document.querySelectorAll(`script[type="${VIEW}"]`)) {
      const id = JSON.parse(view.textContent).model_id;
      const entry = state[id];
      if (entry && entry.model_name === "HTMLModel") {
        showHTML(view, models.get(id));
        continue;
      }
      if (!entry || entry.model_name !== "AnyModel") {
        console.error(`widget ${id}: the book's widget host draws anywidget and HTML widgets only, not ${entry && entry.model_name}`);
        continue;
      }
      shows.push(show(view, models.get(id)).catch((err) => console.error(`widget ${id} failed:`, err)));
    }
    await Promise.all(shows);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
