// Loaded first on every book page that holds widget state (see nb_ipywidgets_js
// in _config.yml), before require.js and the widget manager.
(function () {
  var here = document.currentScript && document.currentScript.src;
  var base = here ? here.replace(/[^\/]*$/, "") : "";
  // pydata-sphinx-theme's FontAwesome would replace <i> icons with <svg>; ipywidgets'
  // Play button then throws and never plays. "nest" keeps the <i> element.
  window.FontAwesomeConfig = Object.assign({}, window.FontAwesomeConfig, { autoReplaceSvg: "nest" });
  // require.js reads a global `require` object as its configuration when it loads:
  // the widget manager asks require.js for "anywidget" first and only falls back to
  // a CDN when that fails, so this keeps the page off the network.
  if (typeof window.require === "undefined") {
    window.require = { paths: {
      anywidget: base + "anywidget/index",
      // The manager's icon fonts are found next to the URL of the module that
      // defines it; map that URL (nothing is fetched from it) into our folder.
      "@jupyter-widgets/html-manager": base + "html-manager/html-manager",
      "@jupyter-widgets/html-manager/dist": base + "html-manager"
    } };
  }
})();
