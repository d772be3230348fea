// Configuration: defaults < window.FapiaoWidgetConfig < data-* attributes of the script tag.

const DEFAULTS = Object.freeze({
  serverUrl: '',            // the Rasa server (socket.io); default: same origin as the page
  apiUrl: '',               // the console (history, feedback, announcements); default: origin of the script
  socketPath: '/socket.io',
  title: '发票助手',
  subtitle: '发票系统问题在线解答',
  primaryColor: '#1f5fbf',
  position: 'right',        // "right" | "left"
  greeting: '您好，我是发票助手。请描述您遇到的问题，例如“登录不上电子税务局”或“收到的发票查不到”。',
  storageKey: 'fapiao-widget',
  transports: 'websocket,polling',
  open: false,
});

const DATA_ATTRIBUTES = {
  serverUrl: 'serverUrl',
  apiUrl: 'apiUrl',
  socketPath: 'socketPath',
  title: 'title',
  subtitle: 'subtitle',
  primaryColor: 'primaryColor',
  position: 'position',
  greeting: 'greeting',
  storageKey: 'storageKey',
  transports: 'transports',
  open: 'open',
};

function scriptOrigin(script) {
  try {
    return new URL(script.src, window.location.href).origin;
  } catch (e) {
    return window.location.origin;
  }
}

function isSafeColor(value) {
  // Colours end up in a CSS custom property; accept only plain colour notations.
  return /^(#[0-9a-fA-F]{3,8}|rgba?\([\d\s.,%]+\)|hsla?\([\d\s.,%deg]+\)|[a-zA-Z]{3,20})$/.test(value);
}

function trimSlash(url) {
  return String(url || '').replace(/\/+$/, '');
}

function readConfig(script) {
  const fromWindow = (typeof window.FapiaoWidgetConfig === 'object' && window.FapiaoWidgetConfig) || {};
  const fromData = {};
  if (script && script.dataset) {
    for (const [key, attr] of Object.entries(DATA_ATTRIBUTES)) {
      if (script.dataset[attr] !== undefined && script.dataset[attr] !== '') {
        fromData[key] = script.dataset[attr];
      }
    }
  }
  const config = Object.assign({}, DEFAULTS, fromWindow, fromData);
  config.serverUrl = trimSlash(config.serverUrl || window.location.origin);
  config.apiUrl = trimSlash(config.apiUrl || (script ? scriptOrigin(script) : window.location.origin));
  config.position = config.position === 'left' ? 'left' : 'right';
  if (!isSafeColor(String(config.primaryColor))) config.primaryColor = DEFAULTS.primaryColor;
  config.open = config.open === true || config.open === 'true';
  config.transports = String(config.transports).split(',').map((t) => t.trim())
    .filter((t) => t === 'websocket' || t === 'polling');
  if (!config.transports.length) config.transports = ['websocket', 'polling'];
  return config;
}
