// Persistent state in localStorage, shared by every page of the site (same origin).

function randomHex(bytes) {
  const buffer = new Uint8Array(bytes);
  // getRandomValues works on plain http pages too (randomUUID needs a secure context).
  window.crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}

// A session token minted by the Rasa server: "<32 hex id>.<43 base64url signature>".
const SESSION_TOKEN_PATTERN = /^([0-9a-f]{32})\.[A-Za-z0-9_-]{43}$/;

function newClientMessageId() {
  return 'c' + randomHex(12);
}

class Store {
  constructor(prefix) {
    this.prefix = prefix;
  }

  get(name) {
    try {
      return window.localStorage.getItem(`${this.prefix}:${name}`);
    } catch (e) {
      return null; // storage disabled: the widget still works for this page view
    }
  }

  set(name, value) {
    try {
      if (value === null || value === undefined) window.localStorage.removeItem(`${this.prefix}:${name}`);
      else window.localStorage.setItem(`${this.prefix}:${name}`, value);
    } catch (e) {
      /* ignore: private mode or full storage */
    }
  }

  getJson(name, fallback) {
    const raw = this.get(name);
    if (!raw) return fallback;
    try {
      return JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  setJson(name, value) {
    this.set(name, JSON.stringify(value));
  }

  /** The stored session token, or null (the server then mints a session). */
  sessionToken() {
    const token = this.get('session-token');
    return token && SESSION_TOKEN_PATTERN.test(token) ? token : null;
  }

  /** Remember the token the server confirmed; the conversation id is kept beside it. */
  setSessionToken(token) {
    const match = SESSION_TOKEN_PATTERN.exec(token || '');
    this.set('session-token', match ? token : null);
    this.set('session', match ? match[1] : null);
  }

  /** Forget the conversation: the next session request gets a fresh one from the server. */
  resetSession() {
    this.set('session-token', null);
    this.set('session', null);
    this.set('votes', null);
  }
}
