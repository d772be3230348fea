// Entry point: read the configuration from the script tag and mount the widget once.

(function start() {
  if (window.__fapiaoWidget) return; // embedded twice: keep the first
  const script = document.currentScript;
  const config = readConfig(script);
  const mount = () => {
    const widget = new Widget(config, socketIo, WIDGET_CSS);
    widget.mount();
    window.__fapiaoWidget = widget;
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
  else mount();
})();
